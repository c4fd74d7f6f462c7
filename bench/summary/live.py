"""The live path of bench/summary: calls of the largest account written one delivery at a time the
way the worker writes them (`calls_upsert`, origin DELIVERY, in the delivery's transaction), with
their rollups and campaign metrics, while summaries are read over HTTP."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import transaction

from integrations.call_changes import Origin
from integrations.call_services import calls_upsert
from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import Call

FINAL = [CallStatus.ANSWERED] * 64 + [CallStatus.MISSED] * 20 + [CallStatus.CANCELED] * 9 + [CallStatus.FAILED] * 3


def _raw(provider_call_id: str, status: str, tracking: str, caller: str, source: str) -> dict:
    """About the size of a CTM call payload's fields the store keeps."""
    return {
        "id": provider_call_id,
        "status": status,
        "tracking_number": tracking,
        "caller_number": caller,
        "source": source,
        "city": "Raleigh",
        "state": "NC",
        "country": "US",
        "tag_list": ["bench"],
        "custom_fields": {"lead_score": "7", "notes": "x" * 200},
    }


def events(*, account, provider_account_id: str, sources: list[str], numbers: list[str], count: int, seed: int):
    """`count` events: new calls starting now (40 %), the end of one of those (40 %), and the end
    sent again with other figures for a call of the last 7 days already stored (20 %, it moves rollups)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stored = list(
        Call.objects.filter(
            account=account,
            provider="calltrackingmetrics",
            provider_account_id=provider_account_id,
            started_at__gte=now - timedelta(days=7),
        )
        .order_by("?")
        .values_list("provider_call_id", "started_at", "tracking_number", "caller_number", "source")[:5000]
    )
    run = int(time.time())
    started: list[tuple] = []
    for n in range(count):
        r = rng.random()
        if r < 0.4 or (r < 0.8 and not started):
            call = (
                f"live-{run}-{n}",
                datetime.now(UTC) - timedelta(seconds=rng.randint(0, 60)),
                rng.choice(numbers) if rng.random() < 0.7 else f"+1800555{rng.randrange(10000):04d}",
                f"+1{rng.randint(2000000000, 9999999999)}",
                rng.choice(sources),
            )
            started.append(call)
            kind, status, talk = CallEventKind.RECEIVED, CallStatus.IN_PROGRESS, 0
        elif r < 0.8:
            call = started.pop(rng.randrange(len(started)))
            kind, status = CallEventKind.COMPLETED, rng.choice(FINAL)
            talk = rng.randint(20, 1200) if status is CallStatus.ANSWERED else 0
        else:
            call = rng.choice(stored)
            kind, status = CallEventKind.COMPLETED, rng.choice(FINAL)
            talk = rng.randint(20, 1200) if status is CallStatus.ANSWERED else 0
        call_id, started_at, tracking, caller, source = call
        yield CallEvent(
            provider="calltrackingmetrics",
            provider_call_id=call_id,
            provider_account_id=provider_account_id,
            kind=kind,
            started_at=started_at,
            status=status,
            direction=CallDirection.INBOUND,
            tracking_number=tracking,
            caller_number=caller,
            source=source,
            duration=talk + rng.randint(3, 30) if status.is_final else 0,
            talk_time=talk,
            is_first_time_caller=rng.random() < 0.3,
            raw=_raw(call_id, status.value, tracking, caller, source),
        )


def upserts_timed(*, account, events_list: list[CallEvent]) -> list[float]:
    """Each event in a transaction of its own, as the worker stores one delivery: ms per event."""
    times = []
    for event in events_list:
        t0 = time.perf_counter()
        with transaction.atomic():
            calls_upsert(account=account, items=[(event, None)], origin=Origin.DELIVERY)
        times.append((time.perf_counter() - t0) * 1000)
    return times
