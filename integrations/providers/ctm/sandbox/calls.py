"""Synthetic CTM calls: deterministic per (seed, account, day), shaped like CTM's activity objects.

A day's calls are generated the first time they are asked for, always the same for the same seed,
so the sandbox can serve months of history without storing it, and new calls "arrive" as the
clock moves on (only calls that have started by now are served).
"""

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

HISTORY_DAYS = 180

# (dial_status, weight): most calls are answered, some missed, a few fail or are abandoned.
DIAL_STATUSES = [("answered", 64), ("no-answer", 15), ("busy", 5), ("canceled", 9), ("failed", 3), ("completed", 4)]
HOURLY_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 15, 13, 14, 15, 14, 12, 9, 6, 4, 3, 2, 1, 1]
CITIES = [("Raleigh", "NC"), ("Austin", "TX"), ("Denver", "CO"), ("Tampa", "FL"), ("Portland", "OR"), ("Boston", "MA")]
NAMES = ["Alex Kim", "Maria Lopez", "Sam Patel", "Jordan Lee", "Chris Moore", "Taylor Brooks", "Pat Nguyen", ""]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _format_number(e164: str) -> str:
    digits = e164[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


@lru_cache(maxsize=4096)
def calls_for_day(
    seed: int, account_id: int, timezone: str, day: date, numbers: tuple, sources: tuple
) -> tuple[dict, ...]:
    """Every call of one account on one local day. `numbers`: (id, e164, source_id); `sources`: (id, name)."""
    rng = _rng(seed, account_id, day.isoformat())
    tz = ZoneInfo(timezone)
    weekday_factor = 0.45 if day.weekday() >= 5 else 1.0
    count = int(rng.randint(14, 30) * weekday_factor)
    source_names = dict(sources)
    calls = []
    for n in range(count):
        hour = rng.choices(range(24), weights=HOURLY_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=tz)
        number_id, tracking_number, source_id = rng.choice(numbers)
        dial_status = rng.choices([s for s, _ in DIAL_STATUSES], weights=[w for _, w in DIAL_STATUSES])[0]
        answered = dial_status in ("answered", "completed")
        ring_time = rng.randint(3, 30)
        talk_time = rng.randint(20, 1500) if answered else 0
        duration = ring_time + talk_time if dial_status != "failed" else 0
        caller = f"+1{rng.choice(['919', '512', '303', '813', '503', '617'])}{rng.randint(2000000, 9999999)}"
        city, state = rng.choice(CITIES)
        call_id = account_id * 10_000_000 + (day - date(2020, 1, 1)).days * 100 + n
        direction = "outbound" if rng.random() < 0.08 else "inbound"
        calls.append(
            {
                "id": call_id,
                "sid": f"CA{hashlib.md5(str(call_id).encode()).hexdigest()}",  # noqa: S324 - an id, not security
                "account_id": account_id,
                "direction": direction,
                "dial_status": dial_status,
                "call_status": dial_status,
                "duration": duration,
                "talk_time": talk_time,
                "ring_time": ring_time,
                "unix_time": int(local.timestamp()),
                "called_at": local.strftime("%Y-%m-%d %I:%M %p %z")[:-2] + ":" + local.strftime("%z")[-2:],
                "day": day.isoformat(),
                "tracking_number_id": number_id,
                "tracking_number": tracking_number,
                "tracking_number_bare": tracking_number[2:],
                "tracking_number_format": _format_number(tracking_number),
                "caller_number": caller,
                "caller_number_bare": caller[2:],
                "caller_number_format": _format_number(caller),
                "caller_number_complete": caller,
                "source_id": source_id,
                "source": source_names.get(source_id, "Direct"),
                "is_new_caller": rng.random() < 0.35,
                "name": rng.choice(NAMES),
                "city": city,
                "state": state,
                "country": "US",
                "audio": f"https://app.calltrackingmetrics.com/accounts/{account_id}/calls/{call_id}/audio"
                if answered
                else None,
                "tag_list": [],
            }
        )
    return tuple(sorted(calls, key=lambda c: c["unix_time"], reverse=True))


def calls_between(
    *,
    seed: int,
    account_id: int,
    timezone: str,
    start: date,
    end: date,
    numbers: tuple,
    sources: tuple,
    now: datetime | None = None,
) -> list[dict]:
    """Calls from `start` to `end` (local dates, inclusive), newest first, only those already started."""
    now = now or datetime.now(tz=UTC)
    today = now.astimezone(ZoneInfo(timezone)).date()
    first = max(start, today - timedelta(days=HISTORY_DAYS))
    last = min(end, today)
    cutoff = int(now.timestamp())
    calls: list[dict] = []
    day = last
    while day >= first:
        calls.extend(
            c for c in calls_for_day(seed, account_id, timezone, day, numbers, sources) if c["unix_time"] <= cutoff
        )
        day -= timedelta(days=1)
    return calls
