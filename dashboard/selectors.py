"""What the admin dashboard shows. Calls are read from the rollups (CallDailyRollup, CampaignDailyMetric),
never by scanning calls; deliveries and outboxes through indexed, time-bounded queries.

The call figures are the API's: the totals, answer rate and averages come from the same `_summary` the
calls summary endpoint answers with, and days are each account's local days (as the rollups count
them), so the same date range given to the API gives the same numbers.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.models import Account

# `_summary` is the one definition of the calls summary's figures (the API's): reused, not redefined.
from integrations.call_selectors import ANSWERED, ROLLUP_SUMS, _summary
from integrations.events import UNANSWERED_STATUSES
from integrations.models import (
    CallCounters,
    CallDailyRollup,
    CallSyncState,
    Campaign,
    CampaignDailyMetric,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.providers.registry import PROVIDERS
from notifications.models import Channel, NotificationDelivery

DASHBOARD_DAYS = 30
TOP = 8  # rows in the "top" tables
MAX_ROWS = 25  # rows in the health tables (problems first)
MISSED_COLUMNS = tuple(status.value for status in UNANSWERED_STATUSES)


# --- the range and the filters -------------------------------------------------------------------


@dataclass(frozen=True)
class DayRange:
    """Calendar days, inclusive. Each account's calls are counted on its own local days."""

    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def dashboard_range(*, days: int = DASHBOARD_DAYS, today: date | None = None) -> DayRange:
    """The last `days` calendar days, ending today in settings.TIME_ZONE."""
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return DayRange(start=today - timedelta(days=days - 1), end=today)


@dataclass(frozen=True)
class CallFilter:
    """Whose calls: every account's, or one account's; every provider's, or one provider's."""

    range: DayRange
    account: Account | None = None
    provider: str | None = None


def provider_names() -> dict[str, str]:
    return {provider.slug: provider.name for provider in PROVIDERS}


# --- calls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallDay:
    day: date
    total: int
    answered: int
    missed: int  # the summary's "missed": missed + canceled

    @property
    def other(self) -> int:
        """Failed, in progress, unknown: what makes the stack as tall as the day's calls."""
        return self.total - self.answered - self.missed


@dataclass(frozen=True)
class CallsOverview:
    """A summary (the API's shape: total, answered, missed, answer_rate, talk_time, by_source...) and
    its calls per day, zero-filled over the range."""

    summary: dict[str, Any]
    days: list[CallDay]
    providers: list[str] = field(default_factory=list)  # those with calls, in the registry's order

    @property
    def top_sources(self) -> list[dict[str, Any]]:
        return self.summary["by_source"][:TOP]

    def chart_data(self) -> dict[str, list]:
        """What the chart draws (passed to the page with json_script)."""
        return {
            "days": [d.day.isoformat() for d in self.days],
            "answered": [d.answered for d in self.days],
            "missed": [d.missed for d in self.days],
            "other": [d.other for d in self.days],
        }


def _by_day(rows: QuerySet, *by: str) -> tuple[dict[str, int], dict[date, dict[str, int]], list[dict]]:
    """One query: every counter per day (and per `by`), the days summed over `by`, and their totals."""
    grouped = list(rows.values("day", *by).annotate(**ROLLUP_SUMS).order_by())
    days: dict[date, dict[str, int]] = {}
    for row in grouped:
        day = days.setdefault(row["day"], dict.fromkeys(CallCounters.COUNTERS, 0))
        for column in CallCounters.COUNTERS:
            day[column] += row[column] or 0
    totals = {column: sum(day[column] for day in days.values()) for column in CallCounters.COUNTERS}
    return totals, days, grouped


def _in_registry_order(providers: set[str]) -> list[str]:
    return [slug for slug in provider_names() if slug in providers] + sorted(providers - provider_names().keys())


def _call_days(day_range: DayRange, by_day: dict[date, dict[str, int]]) -> list[CallDay]:
    days = []
    for day in day_range.days():
        row = by_day.get(day, {})
        days.append(
            CallDay(
                day=day,
                total=row.get("calls") or 0,
                answered=row.get(ANSWERED) or 0,
                missed=sum(row.get(c) or 0 for c in MISSED_COLUMNS),
            )
        )
    return days


def call_rollups(*, call_filter: CallFilter) -> QuerySet[CallDailyRollup]:
    rollups = CallDailyRollup.objects.filter(day__gte=call_filter.range.start, day__lte=call_filter.range.end)
    if call_filter.account is not None:
        rollups = rollups.filter(account=call_filter.account)
    if call_filter.provider:
        rollups = rollups.filter(provider=call_filter.provider)
    return rollups


def calls_overview(*, call_filter: CallFilter) -> CallsOverview:
    rollups = call_rollups(call_filter=call_filter)
    totals, by_day, grouped = _by_day(rollups, "provider")
    by_source = rollups.values("source").annotate(calls=Sum("calls"), answered=Sum(ANSWERED)).order_by()
    return CallsOverview(
        summary=_summary(totals, list(by_source)),
        days=_call_days(call_filter.range, by_day),
        providers=_in_registry_order({row["provider"] for row in grouped if row["calls"]}),
    )


def providers_with_calls(*, day_range: DayRange, account: Account | None = None) -> list[str]:
    """The providers that have calls in the range (the provider filter is offered when there are several)."""
    rollups = call_rollups(call_filter=CallFilter(range=day_range, account=account)).filter(calls__gt=0)
    return _in_registry_order(set(rollups.values_list("provider", flat=True).distinct().order_by()))


@dataclass(frozen=True)
class ProviderAccountCalls:
    """One provider account of one of our accounts (what the provider's own calls summary covers)."""

    account: Account
    provider: str
    provider_account_id: str
    summary: dict[str, Any]


def provider_accounts_overview(*, call_filter: CallFilter, limit: int = TOP) -> list[ProviderAccountCalls]:
    rows = list(
        call_rollups(call_filter=call_filter)
        .values("account_id", "provider", "provider_account_id")
        .annotate(**ROLLUP_SUMS)
        .filter(calls__gt=0)
        .order_by("-calls", "account_id", "provider", "provider_account_id")[:limit]
    )
    accounts = Account.objects.in_bulk({row["account_id"] for row in rows})
    return [
        ProviderAccountCalls(
            account=accounts[row["account_id"]],
            provider=row["provider"],
            provider_account_id=row["provider_account_id"],
            summary=_summary(row, []),
        )
        for row in rows
    ]


# Campaign figures: CampaignDailyMetric, kept per campaign, provider, source and day (the rows the
# campaign summary endpoint reads).


def _campaign_metrics(
    *, day_range: DayRange, account: Account | None, provider: str | None = None
) -> QuerySet[CampaignDailyMetric]:
    metrics = CampaignDailyMetric.objects.filter(day__gte=day_range.start, day__lte=day_range.end)
    if account is not None:
        metrics = metrics.filter(campaign__account=account)
    if provider:
        metrics = metrics.filter(provider=provider)
    return metrics


@dataclass(frozen=True)
class CampaignCalls:
    campaign: Campaign
    summary: dict[str, Any]


def campaigns_overview(
    *, day_range: DayRange, account: Account | None = None, provider: str | None = None, limit: int = TOP
) -> list[CampaignCalls]:
    """The campaigns with the most calls (of `provider`'s, when given)."""
    rows = list(
        _campaign_metrics(day_range=day_range, account=account, provider=provider)
        .values("campaign_id")
        .annotate(**ROLLUP_SUMS)
        .filter(calls__gt=0)
        .order_by("-calls", "campaign_id")[:limit]
    )
    campaigns = Campaign.objects.select_related("account").in_bulk({row["campaign_id"] for row in rows})
    return [CampaignCalls(campaign=campaigns[row["campaign_id"]], summary=_summary(row, [])) for row in rows]


def campaign_calls_overview(*, campaign: Campaign, day_range: DayRange) -> CallsOverview:
    """One campaign's summary (with its sources) and days."""
    metrics = CampaignDailyMetric.objects.filter(campaign=campaign, day__gte=day_range.start, day__lte=day_range.end)
    totals, by_day, grouped = _by_day(metrics, "source")
    by_source: dict[str, dict[str, Any]] = {}
    for row in grouped:
        source = by_source.setdefault(row["source"], {"source": row["source"], "calls": 0, ANSWERED: 0})
        source["calls"] += row["calls"] or 0
        source[ANSWERED] += row[ANSWERED] or 0
    return CallsOverview(summary=_summary(totals, list(by_source.values())), days=_call_days(day_range, by_day))


# --- inbound webhooks -----------------------------------------------------------------------------

RECENT = timedelta(hours=24)
ACTIVITY_WINDOW = timedelta(days=7)
QUIET_FLOOR = timedelta(hours=1)
QUIET_FACTOR = 3
PROBLEM_STATUSES = (WebhookDelivery.Status.FAILED, WebhookDelivery.Status.INVALID, WebhookDelivery.Status.RETRY)
WAITING_STATUSES = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRY)
ENDPOINT_FIELDS = ("id", "name", "provider", "status", "account", "campaign")
STATUS_ORDER = [
    WebhookDelivery.Status.PROCESSED,
    WebhookDelivery.Status.DUPLICATE,
    WebhookDelivery.Status.PENDING,
    WebhookDelivery.Status.RETRY,
    WebhookDelivery.Status.FAILED,
    WebhookDelivery.Status.INVALID,
    WebhookDelivery.Status.UNMATCHED,
]
QUIET_RULE = (
    "Quiet: the endpoint accepted deliveries in the last 7 days, but none for longer than "
    f"{QUIET_FACTOR} times the average gap between them (at least 1 hour). "
    "It takes two deliveries to know the usual gap."
)


@dataclass
class EndpointHealth:
    """One endpoint's inbound deliveries; `endpoint` None: the shared URLs (deliveries with no endpoint)."""

    endpoint: WebhookEndpoint | None
    recent: dict[str, int] = field(default_factory=dict)  # status -> deliveries in the last 24 h
    last_error: str = ""
    last_error_at: datetime | None = None
    oldest_waiting_at: datetime | None = None
    accepted_7d: int = 0
    first_accepted_at: datetime | None = None
    last_accepted_at: datetime | None = None
    now: datetime = field(default_factory=timezone.now)

    @property
    def label(self) -> str:
        if self.endpoint is None:
            return "Shared URLs"
        return self.endpoint.name or f"{provider_names().get(self.endpoint.provider, self.endpoint.provider)} endpoint"

    @property
    def recent_by_status(self) -> list[tuple[str, int]]:
        """The last 24 hours' counts, good news first: processed, duplicate, waiting, then problems."""
        rank = {status: n for n, status in enumerate(STATUS_ORDER)}
        return sorted(self.recent.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))

    @property
    def recent_total(self) -> int:
        return sum(self.recent.values())

    @property
    def recent_problems(self) -> int:
        return sum(self.recent.get(status, 0) for status in PROBLEM_STATUSES)

    @property
    def waiting_for(self) -> timedelta | None:
        return self.now - self.oldest_waiting_at if self.oldest_waiting_at else None

    @property
    def usual_gap(self) -> timedelta | None:
        """The average gap between the accepted deliveries of the last 7 days (None: fewer than two)."""
        if self.accepted_7d < 2 or not (self.first_accepted_at and self.last_accepted_at):
            return None
        return (self.last_accepted_at - self.first_accepted_at) / (self.accepted_7d - 1)

    @property
    def silent_for(self) -> timedelta | None:
        return self.now - self.last_accepted_at if self.last_accepted_at else None

    @property
    def quiet(self) -> bool:
        gap = self.usual_gap
        if gap is None:
            return False
        return self.silent_for > max(QUIET_FLOOR, QUIET_FACTOR * gap)

    @property
    def waiting_too_long(self) -> bool:
        waiting = self.waiting_for
        return waiting is not None and waiting > timedelta(seconds=2 * settings.WEBHOOK_SWEEP_AFTER)

    @property
    def healthy(self) -> bool:
        return not (self.quiet or self.recent_problems or self.waiting_too_long)


@dataclass(frozen=True)
class WebhookHealth:
    rows: list[EndpointHealth]
    more: int  # rows left out (the healthiest, least busy ones)
    active_endpoints: int
    quiet_rule: str = QUIET_RULE


def _deliveries(*, account: Account | None, provider: str | None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.all()
    if account is not None:
        deliveries = deliveries.filter(account=account)
    if provider:
        deliveries = deliveries.filter(provider=provider)
    return deliveries.order_by()


def inbound_webhook_health(
    *, account: Account | None = None, provider: str | None = None, now: datetime | None = None, limit: int = MAX_ROWS
) -> WebhookHealth:
    """Per endpoint: deliveries of the last 24 h by status, the last error (7 days) with its time,
    the oldest delivery still waiting to be processed, and whether it went quiet. Every query is
    bounded by time (the received_at indexes) or by the waiting statuses."""
    now = now or timezone.now()
    deliveries = _deliveries(account=account, provider=provider)
    rows: dict[Any, EndpointHealth] = {}

    def row(endpoint_id) -> EndpointHealth:
        return rows.setdefault(endpoint_id, EndpointHealth(endpoint=None, now=now))

    for r in deliveries.filter(received_at__gte=now - RECENT).values("endpoint_id", "status").annotate(n=Count("id")):
        row(r["endpoint_id"]).recent[r["status"]] = r["n"]
    week = deliveries.filter(received_at__gte=now - ACTIVITY_WINDOW)
    for r in (
        week.filter(valid=True)
        .values("endpoint_id")
        .annotate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
    ):
        health = row(r["endpoint_id"])
        health.accepted_7d, health.first_accepted_at, health.last_accepted_at = r["n"], r["first"], r["last"]
    for r in deliveries.filter(status__in=WAITING_STATUSES).values("endpoint_id").annotate(oldest=Min("received_at")):
        row(r["endpoint_id"]).oldest_waiting_at = r["oldest"]
    last_errors = list(week.filter(status__in=PROBLEM_STATUSES).values("endpoint_id").annotate(last=Max("received_at")))
    if last_errors:
        which = Q()
        for r in last_errors:
            endpoint = Q(endpoint__isnull=True) if r["endpoint_id"] is None else Q(endpoint_id=r["endpoint_id"])
            which |= endpoint & Q(received_at=r["last"])
        for d in week.filter(which, status__in=PROBLEM_STATUSES).values(
            "endpoint_id", "received_at", "status", "error_code", "last_error"
        ):
            health = row(d["endpoint_id"])
            if health.last_error_at is None or d["received_at"] >= health.last_error_at:
                message = (d["last_error"] or "").strip().splitlines()
                health.last_error = (message[-1] if message else "") or d["error_code"] or d["status"]
                health.last_error_at = d["received_at"]

    # What the rows show, and no credential: nothing here needs decrypting.
    endpoints = (
        WebhookEndpoint.objects.select_related("account", "campaign")
        .only(*ENDPOINT_FIELDS, "account__name", "campaign__name")
        .in_bulk([k for k in rows if k])
    )
    for endpoint_id, health in rows.items():
        health.endpoint = endpoints.get(endpoint_id)
    ordered = sorted(
        (h for k, h in rows.items() if k is None or h.endpoint is not None),
        key=lambda h: (h.healthy, -h.recent_problems, -h.recent_total, -h.accepted_7d),
    )
    active = WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE)
    if account is not None:
        active = active.filter(account=account)
    if provider:
        active = active.filter(provider=provider)
    return WebhookHealth(rows=ordered[:limit], more=max(0, len(ordered) - limit), active_endpoints=active.count())


# --- notifications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelFailures:
    channel: str
    label: str
    failed: int
    retrying: int
    last_error: str
    last_failed_at: datetime | None


def notification_failures(*, account: Account | None = None) -> list[ChannelFailures]:
    """Outbox deliveries that failed (gave up) or wait to retry, per channel, with the latest error."""
    deliveries = NotificationDelivery.objects.filter(
        status__in=(NotificationDelivery.Status.FAILED, NotificationDelivery.Status.RETRY)
    )
    if account is not None:
        deliveries = deliveries.filter(notification__account=account)
    counts: dict[str, dict[str, int]] = {}
    for r in deliveries.values("channel", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(r["channel"], {})[r["status"]] = r["n"]
    result = []
    for channel, label in Channel.choices:
        if channel not in counts:
            continue
        latest = (
            deliveries.filter(channel=channel)
            .order_by("-updated_at")
            .values("last_error", "updated_at", "status")
            .first()
        )
        result.append(
            ChannelFailures(
                channel=channel,
                label=label,
                failed=counts[channel].get(NotificationDelivery.Status.FAILED, 0),
                retrying=counts[channel].get(NotificationDelivery.Status.RETRY, 0),
                last_error=(latest or {}).get("last_error", ""),
                last_failed_at=(latest or {}).get("updated_at"),
            )
        )
    return result


# --- provider API sync ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRow:
    state: CallSyncState
    lag: timedelta | None  # since the last successful sync (None: never synced)
    newest_call_at: datetime | None  # the newest call the sync has seen
    late: bool  # no sync for longer than 3 sync periods


@dataclass(frozen=True)
class SyncOverview:
    rows: list[SyncRow]
    more: int
    period: timedelta


def provider_sync_overview(
    *, account: Account | None = None, now: datetime | None = None, limit: int = MAX_ROWS
) -> SyncOverview:
    """Every incremental call sync: errors first, then never synced, then the longest lag."""
    now = now or timezone.now()
    period = timedelta(minutes=getattr(settings, "CTM_SYNC_EVERY_MINUTES", 10))
    states = CallSyncState.objects.select_related("account")
    if account is not None:
        states = states.filter(account=account)
    total = states.count()
    ordered = states.order_by(
        Case(When(last_error="", then=Value(1)), default=Value(0)), F("last_synced_at").asc(nulls_first=True), "pk"
    )
    rows = []
    for state in ordered[:limit]:
        lag = now - state.last_synced_at if state.last_synced_at else None
        newest = datetime.fromtimestamp(state.watermark, tz=UTC) if state.watermark else None
        rows.append(SyncRow(state=state, lag=lag, newest_call_at=newest, late=lag is None or lag > 3 * period))
    return SyncOverview(rows=rows, more=max(0, total - limit), period=period)
