"""Reading the local call store: summary and timeline chart from rollups (never from raw calls), of
a provider account (the account's rollups) or of a campaign across providers (its metrics).

They are proven against recounts that share nothing with this module: tests/recount.py (plain
Python over the call rows) and `bench/summary` (plain SQL)."""

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Exists, QuerySet, Subquery, Sum

from accounts.models import Account
from integrations.events import UNANSWERED_STATUSES, CallStatus
from integrations.models import (
    CallCounters,
    CallDailyRollup,
    CallHourlyRollup,
    CallSyncState,
    Campaign,
    CampaignDailyMetric,
    CampaignHourlyMetric,
    Key,
)
from integrations.rollups import STATUS_COLUMNS, zone
from integrations.selectors import key_rows_for_account


class Interval(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, kw_only=True)
class CallScope(ABC):
    """Whose calls, between two local dates (inclusive) of the account's time zone. A subclass says
    whose, by the rollup rows it reads: `daily_rollups` (per source and day) and `hourly_rollups`."""

    account: Account
    start: date
    end: date

    def utc_bounds(self) -> tuple[datetime, datetime]:
        tz = zone(self.account.timezone)
        # In UTC: arithmetic between datetimes sharing a tzinfo ignores DST changes.
        return (
            datetime.combine(self.start, time.min, tzinfo=tz).astimezone(UTC),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC),
        )

    def day_range(self) -> dict[str, date]:
        """The rollup filter of this scope's days."""
        return {"day__gte": self.start, "day__lte": self.end}

    @abstractmethod
    def daily_rollups(self) -> QuerySet:
        """Rows with `source`, `day` and the counters, of this scope's days."""

    @abstractmethod
    def hourly_rollups(self) -> QuerySet:
        """Rows with `day`, `hour` and the counters, of this scope's days."""


@dataclass(frozen=True, kw_only=True)
class ProviderAccountScope(CallScope):
    """One account's calls of one provider account (e.g. a CTM account): the account's rollups."""

    provider: str
    provider_account_id: str

    def _whose(self) -> dict[str, Any]:
        return {"account": self.account, "provider": self.provider, "provider_account_id": self.provider_account_id}

    def daily_rollups(self) -> QuerySet:
        return CallDailyRollup.objects.filter(**self._whose(), **self.day_range())

    def hourly_rollups(self) -> QuerySet:
        return CallHourlyRollup.objects.filter(**self._whose(), **self.day_range())


@dataclass(frozen=True, kw_only=True)
class CampaignScope(CallScope):
    """A campaign's calls from every provider, or from one (`provider`): the campaign's metrics."""

    campaign: Campaign
    provider: str | None = None

    def __post_init__(self) -> None:
        if self.campaign.account_id != self.account.pk:
            raise ValueError("The campaign is not the account's.")

    def _whose(self) -> dict[str, Any]:
        return {"campaign": self.campaign, **({"provider": self.provider} if self.provider else {})}

    def daily_rollups(self) -> QuerySet:
        return CampaignDailyMetric.objects.filter(**self._whose(), **self.day_range())

    def hourly_rollups(self) -> QuerySet:
        return CampaignHourlyMetric.objects.filter(**self._whose(), **self.day_range())


ROLLUP_SUMS = {column: Sum(column) for column in CallCounters.COUNTERS}
ANSWERED = CallStatus.ANSWERED.value  # a status, and the rollup column that counts it
CHART_COLUMNS = ("calls", ANSWERED, "duration", *(s.value for s in UNANSWERED_STATUSES))


def _ratio(numerator: int, denominator: int, digits: int = 4) -> float:
    return round(numerator / denominator, digits) if denominator else 0.0


def _summary(totals: dict[str, int | None], by_source: list[dict[str, Any]]) -> dict[str, Any]:
    t = {column: totals.get(column) or 0 for column in CallCounters.COUNTERS}
    by_status = {status: t[status] for status in sorted(STATUS_COLUMNS)}
    by_status[CallStatus.UNKNOWN.value] = t["calls"] - sum(by_status.values())
    answered = t[ANSWERED]
    return {
        "total": t["calls"],
        "answered": answered,
        "missed": sum(t[s.value] for s in UNANSWERED_STATUSES),
        "answer_rate": _ratio(answered, t["calls"] - t[CallStatus.IN_PROGRESS.value]),
        "duration": {"total": t["duration"], "average": _ratio(t["duration"], t["calls"], 1)},
        "talk_time": {"total": t["talk_time"], "average_per_answered": _ratio(t["talk_time"], answered, 1)},
        "first_time_callers": t["first_time_callers"],
        "by_status": by_status,
        "by_source": sorted(
            (
                {"source": row["source"], "calls": row["calls"], "answered": row["answered"]}
                for row in by_source
                if row["calls"]  # a rollup row emptied by calls that moved away
            ),
            key=lambda row: (-row["calls"], row["source"]),
        ),
    }


def call_summary(*, scope: CallScope) -> dict[str, Any]:
    # One read of the scope's rows: every counter per source; the totals are the sums of those.
    by_source = list(scope.daily_rollups().values("source").annotate(**ROLLUP_SUMS).order_by())
    totals = {column: sum(row[column] or 0 for row in by_source) for column in CallCounters.COUNTERS}
    return _summary(totals, by_source)


# --- the timeline chart -------------------------------------------------------------------

MAX_HOURLY_DAYS = 31


def _bucket_starts(scope: CallScope, interval: Interval) -> list[datetime]:
    """Every bucket start (local, aware) from the range's start to its end: the zero-filled axis."""
    tz = zone(scope.account.timezone)
    if interval is Interval.HOUR:
        low, high = scope.utc_bounds()
        hours = int((high - low).total_seconds() // 3600)
        # Walk in UTC and convert, so DST days get their 23 or 25 hours; merge a repeated local hour.
        seen: dict[tuple[date, int], datetime] = {}
        for n in range(hours):
            local = (low + timedelta(hours=n)).astimezone(tz)
            seen.setdefault((local.date(), local.hour), local)
        return list(seen.values())
    step = 7 if interval is Interval.WEEK else 1
    first = scope.start - timedelta(days=scope.start.weekday()) if interval is Interval.WEEK else scope.start
    days = range(0, (scope.end - first).days + 1, step)
    return [datetime.combine(first + timedelta(days=n), time.min, tzinfo=tz) for n in days]


def _bucket_key(interval: Interval, day: date, hour: int = 0) -> tuple[date, int]:
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday()), 0
    return day, hour if interval is Interval.HOUR else 0


def _chart(scope: CallScope, interval: Interval, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[tuple[date, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        bucket = totals[_bucket_key(interval, row["day"], row.get("hour", 0))]
        for column in CHART_COLUMNS:
            bucket[column] += row[column] or 0
    chart = []
    for start in _bucket_starts(scope, interval):
        bucket = totals.get((start.date(), start.hour), {})
        chart.append(
            {
                "start": start.isoformat(),
                "total": bucket.get("calls", 0),
                "answered": bucket.get(ANSWERED, 0),
                "missed": sum(bucket.get(s.value, 0) for s in UNANSWERED_STATUSES),
                "duration": bucket.get("duration", 0),
            }
        )
    return chart


def call_chart(*, scope: CallScope, interval: Interval) -> list[dict[str, Any]]:
    if interval is Interval.HOUR:
        rollups = scope.hourly_rollups().values("day", "hour")
    else:
        rollups = scope.daily_rollups().values("day")
    rows = rollups.annotate(**{c: Sum(c) for c in CHART_COLUMNS}).order_by()
    return _chart(scope, interval, list(rows))


def campaign_providers(*, campaign: Campaign, candidates: Iterable[str]) -> list[str]:
    """Which of the `candidates` (provider slugs: the registry's) the campaign has calls of, any day,
    from its metrics: one index probe per candidate in one query, not a read of every metric row."""
    slugs = sorted(set(candidates))
    metrics = CampaignDailyMetric.objects.filter(campaign=campaign, calls__gt=0)
    probes = {f"has_{n}": Exists(metrics.filter(provider=slug)) for n, slug in enumerate(slugs)}
    found = Campaign.objects.filter(pk=campaign.pk).order_by().values(**probes).first() or {}
    return [slug for n, slug in enumerate(slugs) if found.get(f"has_{n}")]


def key_last_synced_at(*, account: Account, key_id: str, provider: str, provider_account_id: str) -> datetime | None:
    """When the provider account's calls were last synced (None: never), asked through the account's
    live key `key_id` in one query: `Key.DoesNotExist` when that key is not the account's (callers
    answer 404), whatever the sync state."""
    synced = CallSyncState.objects.filter(
        account=account, provider=provider, provider_account_id=provider_account_id
    ).values("last_synced_at")[:1]
    keys = key_rows_for_account(account=account, key_id=key_id).annotate(synced=Subquery(synced)).order_by()
    found = list(keys.values_list("synced", flat=True))
    if not found:
        raise Key.DoesNotExist(f"No key {key_id!r}.")
    return found[0]
