"""Incremental call sync: pull new and changed calls of a configured CTM account into the store.

History is not news (`integrations.news`): the first sync of an account (no watermark yet) and a
backfill from a chosen day (`ctm_sync --since`) store calls as `BACKFILL`, which notifies nobody and
fires no trigger; later runs are `SYNC`, news only for calls in progress or ended within the window.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.call_changes import Origin
from integrations.call_services import CallUpsert, call_upsert, calls_upsert
from integrations.events import CallEvent, CallEventKind
from integrations.models import CallSyncState, UserConfig
from integrations.providers.ctm.access import ctm_session
from integrations.providers.ctm.normalize import SLUG, UnusableCallPayload, call_event

logger = logging.getLogger(__name__)

# Calls that changed after they started (a missed call returned, a recording added) still carry
# their start time, so each run goes back this far before the watermark.
OVERLAP = timedelta(days=1)
LEASE = timedelta(minutes=30)


@dataclass
class SyncProgress:
    day: date
    days_done: int
    days_total: int
    calls_seen: int
    calls_changed: int


def call_sync_targets_refresh() -> list[CallSyncState]:
    """One sync state per live CTM config's CTM account (and sub-account), pointing at the config's key."""
    states = []
    configs = UserConfig.objects.alive().select_related("key").filter(provider=SLUG, key__deleted__isnull=True)
    for config in configs:
        for ctm_account_id in filter(None, {config.calltracking_account_id, config.calltracking_sub_account_id}):
            state, _ = CallSyncState.objects.update_or_create(
                account_id=config.account_id,
                provider=SLUG,
                provider_account_id=ctm_account_id,
                defaults={"key": config.key},
            )
            states.append(state)
    return states


def sync_lease_take(*, state: CallSyncState) -> bool:
    """Claim the state for one sync run; False if another run holds it."""
    now = timezone.now()
    return bool(
        CallSyncState.objects.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=state.pk).update(
            lease_until=now + LEASE
        )
    )


def sync_lease_release(*, state: CallSyncState) -> None:
    CallSyncState.objects.filter(pk=state.pk).update(lease_until=None)


def _first_day(state: CallSyncState, since: date | None, today: date) -> date:
    if since is not None:
        return since
    if state.watermark:
        return (datetime.fromtimestamp(state.watermark, tz=UTC) - OVERLAP).date()
    return today - timedelta(days=settings.CTM_SYNC_INITIAL_DAYS)


def _events(page: list[dict], provider_account_id: str) -> list[CallEvent]:
    events = []
    for payload in page:
        try:
            events.append(call_event(payload, kind=CallEventKind.SYNCED, account_id=provider_account_id))
        except UnusableCallPayload as exc:
            logger.warning("ctm sync %s: skipped a call: %s", provider_account_id, exc)
    return events


def sync_origin(*, state: CallSyncState, since: date | None) -> Origin:
    """A backfill (`since` chosen, or nothing synced yet) is history; a run from the watermark is a sync."""
    return Origin.BACKFILL if since is not None or not state.watermark else Origin.SYNC


def _upsert_page(account, events: list[CallEvent], origin: Origin) -> list[CallUpsert]:
    """A page in one transaction; if a webhook inserted one of its calls meanwhile, one by one."""
    try:
        with transaction.atomic():
            return calls_upsert(account=account, items=[(event, None) for event in events], origin=origin)
    except IntegrityError:
        return [call_upsert(account=account, event=event, origin=origin) for event in events]


def ctm_calls_sync(
    *,
    state: CallSyncState,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
) -> SyncProgress:
    """Pull every call from the watermark (or `since`) to `until`, day by day, 150 a page.

    Idempotent: calls are upserted by CTM id, so running it twice changes nothing. The watermark is
    saved after each day, so a run stopped by a 429 or a crash resumes where it stopped.
    """
    key, account = state.key, state.account
    origin = sync_origin(state=state, since=since)
    today = timezone.now().astimezone(UTC).date()
    # CTM's days are the CTM account's local days: one day either side covers every time zone.
    first, last = _first_day(state, since, today), (until or today + timedelta(days=1))
    days_total = (last - first).days + 1
    done = SyncProgress(day=first, days_done=0, days_total=max(days_total, 0), calls_seen=0, calls_changed=0)
    try:
        with ctm_session(key=key) as ctm:
            for offset in range(days_total):
                day = first + timedelta(days=offset)
                watermark = state.watermark
                for page in ctm.iter_calls(account_id=state.provider_account_id, day=day):
                    events = _events(page, state.provider_account_id)
                    for result in _upsert_page(account, events, origin):
                        done.calls_changed += int(result.changed)
                    done.calls_seen += len(events)
                    watermark = max([watermark, *(int(e.started_at.timestamp()) for e in events)])
                state.watermark = watermark
                CallSyncState.objects.filter(pk=state.pk).update(watermark=watermark)
                done.day, done.days_done = day, offset + 1
                if progress:
                    progress(done)
    except Exception as exc:
        CallSyncState.objects.filter(pk=state.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    state.last_synced_at = timezone.now()
    CallSyncState.objects.filter(pk=state.pk).update(
        last_synced_at=state.last_synced_at, last_error="", calls_synced=F("calls_synced") + done.calls_changed
    )
    return done
