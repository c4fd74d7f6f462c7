"""Writing calls: idempotent upserts from any source (sync, webhooks), with rollups kept exact.

Every call a write creates or changes is published once on the seam (`integrations.call_changes`):
one `CallChange` per call (what it was before the write, what it is now, where the write came from,
whether it is news), inside the writing transaction, after the calls and their rollups are written.
Consumers (notifications, outbound webhooks) connect to `call_changed`; nothing here names them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from accounts.models import Account
from integrations.bulk_writes import rows_update
from integrations.call_changes import CallChange, Origin, call_changes_publish
from integrations.events import CallEvent, CallEventKind, CallStatus
from integrations.models import (
    Call,
    CallDailyRollup,
    CallHourlyRollup,
    Campaign,
    CampaignDailyMetric,
    CampaignHourlyMetric,
)
from integrations.news import call_finished_at, is_news, news_window
from integrations.rollups import RAW_SUMS, CallFacts, rollups_apply, zone

# Fields an event may fill; an empty incoming value never erases a known one.
MERGED_FIELDS = (
    "tracking_number",
    "caller_number",
    "source",
    "recording_url",
    "caller_name",
    "caller_location",
    "transcript",
    "keywords",
    "scoring",
    "attribution",
)
# Fields only a final event may change once the call is final (a late "start" must not regress it).
FINAL_FIELDS = ("status", "duration", "talk_time", "direction", "is_first_time_caller", "started_at")
PAYLOAD_FIELDS = (
    "raw",
    "normalization_notes",
    "provider_account_id",
    "provider_call_id",
    "provisional",
    "voicemail",
    "completed",
)
# A provisional call (its provider id not known yet) and the later event of the same call: same
# tracking and caller numbers, starts at most this far apart.
PROVISIONAL_JOIN_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class CallUpsert:
    call: Call
    created: bool
    changed: bool
    previous_status: str | None = None  # None when the call is new


def attribution_candidates(*, account: Account) -> list[Campaign]:
    """The account's campaigns that can claim calls, oldest first."""
    return list(
        Campaign.objects.filter(account=account).exclude(status=Campaign.Status.DISABLED).order_by("created_at")
    )


def campaign_attribute(candidates: list[Campaign], event, fallback: Campaign | None) -> Campaign | None:
    """Tracking-number rules for the provider account first, then `fallback` (the endpoint's campaign).
    `event`: anything with `provider`, `provider_account_id` and `tracking_number` (a call, a text message)."""
    if event.tracking_number:
        for campaign in candidates:
            if (
                campaign.integration == event.provider
                and event.tracking_number in campaign.tracking_numbers
                and campaign.ctm_account_id in ("", event.provider_account_id)
            ):
                return campaign
    return fallback


def call_snapshot(call: Call) -> dict:
    """The call's fields (attribute names: `campaign_id`, not `campaign`) and their values now: what a
    `CallChange` carries as `before`, and how a write tells whether it changed the call."""
    return {field.attname: getattr(call, field.attname) for field in Call._meta.concrete_fields}


def call_change(*, call: Call, before: dict | None, origin: Origin, now) -> CallChange:
    """The change of one call, news or not by the rules of `integrations.news`."""
    news = is_news(origin=origin, finished_at=call_finished_at(call), now=now, window=news_window())
    return CallChange(call=call, before=before, origin=origin, news=news)


def _apply_event(call: Call, event: CallEvent, *, known: bool) -> None:
    """Merge `event` into `call` (`known`: the call was stored before this event)."""
    regress = known and CallStatus(call.status).is_final and not event.status.is_final
    # An update that does not say how the call went (a voicemail, a recording of a stored call) fills
    # in what it carries and leaves the call's outcome, times and payload as they are.
    partial = known and event.kind is CallEventKind.UPDATED and event.status is CallStatus.UNKNOWN
    # Once the provider said the data is final (its "end", "processed"), an update that arrives late
    # (CTM's end_immediate, Marketing Edge's Preprocessed) only fills in what is missing.
    superseded = known and call.completed and event.kind in (CallEventKind.RECEIVED, CallEventKind.UPDATED)
    regress = regress or partial or superseded
    if not regress:
        call.status = event.status.value
        call.direction = event.direction.value
        call.duration = event.duration
        call.talk_time = event.talk_time
        call.is_first_time_caller = event.is_first_time_caller
        call.started_at = event.started_at
        if event.raw:
            call.raw = event.raw
            call.normalization_notes = list(event.notes)
    for name in MERGED_FIELDS:
        value = getattr(event, name)
        if value:
            setattr(call, name, list(value) if isinstance(value, tuple) else value)
    call.voicemail = call.voicemail or event.voicemail
    call.completed = call.completed or event.kind is CallEventKind.COMPLETED
    if call.provisional and not event.provisional:
        # The later event of a provisional call: it brings the provider's id, and its data wins.
        call.provider_call_id, call.provisional = event.provider_call_id, False
    call.provider_account_id = event.provider_account_id or call.provider_account_id


def _same_call(call: Call, event: CallEvent) -> bool:
    return (
        call.provider == event.provider
        and call.tracking_number == event.tracking_number
        and call.caller_number == event.caller_number
        and abs(call.started_at - event.started_at) <= PROVISIONAL_JOIN_WINDOW
    )


def _batch_partner(created, event: CallEvent, account: Account) -> Call | None:
    """Among the calls a batch is creating: the other half of `event`'s call, if any."""
    return next(
        (
            c
            for c in created
            if c.account_id == account.pk and c.provisional is not event.provisional and _same_call(c, event)
        ),
        None,
    )


def _stored_calls(keys: dict[object, list[CallEvent]]) -> dict[tuple, Call]:
    """The stored calls of these events (by account), locked, in id order (two batches lock the
    calls they share in the same order); with their campaign, which notifications name."""
    wanted = Q()
    for account_id, events in keys.items():
        wanted |= Q(
            account_id=account_id,
            provider__in={e.provider for e in events},
            provider_call_id__in={e.provider_call_id for e in events},
        )
    rows = (
        Call.objects.select_for_update(of=("self",)).select_related("campaign").filter(wanted).order_by("pk")
        if keys
        else ()
    )
    return {(c.account_id, c.provider, c.provider_call_id): c for c in rows}


def _provisional_partners(events: dict[object, list[CallEvent]]) -> dict[tuple, Call]:
    """For events whose call is not stored under their id (by account): the stored call they are the
    other half of. A provider's event with its id joins a provisional call (its start, sent before
    the id was known); a provisional event that arrives late joins the call it started. One query for
    each side, for every account of the batch (the provisional calls are a partial index), and none
    when no event can have a partner."""
    found: dict[tuple, Call] = {}
    for provisional in (True, False):
        wanted: dict[object, list[CallEvent]] = {}
        for account_id, account_events in events.items():
            joinable = [
                e for e in account_events if e.tracking_number and e.caller_number and e.provisional is not provisional
            ]
            if joinable:
                wanted[account_id] = joinable
        if not wanted:
            continue
        near = Q()
        for account_id, joinable in wanted.items():
            near |= Q(
                account_id=account_id,
                tracking_number__in={e.tracking_number for e in joinable},
                started_at__gte=min(e.started_at for e in joinable) - PROVISIONAL_JOIN_WINDOW,
                started_at__lte=max(e.started_at for e in joinable) + PROVISIONAL_JOIN_WINDOW,
            )
        rows = list(
            Call.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(near, provisional=provisional)
            .order_by("pk")
        )
        for account_id, joinable in wanted.items():
            for event in joinable:
                partner = next((r for r in rows if r.account_id == account_id and _same_call(r, event)), None)
                if partner is not None:
                    found[(account_id, event.provider, event.provider_call_id)] = partner
    return found


def _attribution_candidates(account_ids: set) -> dict[object, list[Campaign]]:
    """`attribution_candidates` of many accounts in one query."""
    found: dict[object, list[Campaign]] = {account_id: [] for account_id in account_ids}
    rows = Campaign.objects.filter(account_id__in=account_ids).exclude(status=Campaign.Status.DISABLED)
    for campaign in rows.order_by("created_at"):
        found[campaign.account_id].append(campaign)
    return found


def calls_upsert(
    *, account: Account, items: list[tuple[CallEvent, Campaign | None]], origin: Origin
) -> list[CallUpsert]:
    """Insert or merge many events of one account at once, each with the campaign it falls back to,
    and return for each, in order, what happened to its call (`calls_upsert_accounts` with one
    account)."""
    return calls_upsert_accounts(items=[(account, event, fallback) for event, fallback in items], origin=origin)


def calls_upsert_accounts(
    *, items: list[tuple[Account, CallEvent, Campaign | None]], origin: Origin
) -> list[CallUpsert]:
    """Insert or merge many events, of any accounts, each with its account and the campaign it falls
    back to, and return for each, in order, what happened to its call: a handful of queries for the
    whole batch, however many accounts it spans. Every write (calls, rollups) goes through here.
    Runs inside the caller's transaction. If another transaction inserts one of these calls
    meanwhile, the IntegrityError propagates: callers retry (`call_upsert` does, and batch callers
    fall back to it one event at a time).

    Publishes one `CallChange` per call created or changed (a call several events of the batch touch
    is one change: from before the first to after the last), in the order the batch first touched
    them; `origin` says where the events come from, and with the call decides whether it is news.
    """
    accounts: dict[object, Account] = {}
    per_account: dict[object, list[CallEvent]] = {}
    for account, event, _ in items:
        accounts.setdefault(account.pk, account)
        per_account.setdefault(account.pk, []).append(event)
    stored = _stored_calls(per_account)
    unstored: dict[object, list[CallEvent]] = {}
    for account_id, events in per_account.items():
        missing = [e for e in events if (account_id, e.provider, e.provider_call_id) not in stored]
        if missing:
            unstored[account_id] = missing
    stored.update(_provisional_partners(unstored))
    for call in stored.values():
        call.account = accounts[call.account_id]  # the instance the caller holds: no query to read it
    candidates: dict[object, list[Campaign]] | None = None  # read once, when an event needs attributing

    def attribute(account: Account, event: CallEvent, fallback: Campaign | None) -> Campaign | None:
        nonlocal candidates
        if event.tracking_number and candidates is None:
            candidates = _attribution_candidates(
                {a.pk for a, e, _ in items if e.tracking_number},
            )
        return campaign_attribute((candidates or {}).get(account.pk, []), event, fallback)

    new: dict[tuple, Call] = {}
    before: dict[int, tuple[Call, CallFacts, dict]] = {}  # by stored row: a joined call has two keys
    touched: dict[int, tuple[Call, dict | None]] = {}  # id(call): the call, its first snapshot (None: new)
    results: list[CallUpsert] = []
    for account, event, fallback in items:
        key = (account.pk, event.provider, event.provider_call_id)
        call = stored.get(key) or new.get(key)
        partner = None if call is not None else _batch_partner(new.values(), event, account)
        if partner is not None:
            # The other half of a call this batch is creating (a provisional start and its event).
            new[key] = partner
            previous = partner.status
            _apply_event(partner, event, known=True)
            results.append(CallUpsert(call=partner, created=True, changed=True, previous_status=previous))
            continue
        if call is None:
            call = Call(
                account=account,
                provider=event.provider,
                provider_call_id=event.provider_call_id,
                provider_account_id=event.provider_account_id,
                provisional=event.provisional,
            )
            _apply_event(call, event, known=False)
            call.campaign = attribute(account, event, fallback)
            new[key] = call
            touched[id(call)] = (call, None)
            results.append(CallUpsert(call=call, created=True, changed=True))
            continue
        if call.pk is not None and call.pk not in before:
            before[call.pk] = (call, CallFacts.of(call, timezone=account.timezone), call_snapshot(call))
            touched[id(call)] = (call, before[call.pk][2])
        previous, snapshot = call.status, call_snapshot(call)
        _apply_event(call, event, known=True)
        if call.campaign_id is None:
            call.campaign = attribute(account, event, fallback)
        changed = call_snapshot(call) != snapshot
        results.append(CallUpsert(call=call, created=False, changed=changed, previous_status=previous))

    changed = [(call, facts) for call, facts, snap in before.values() if call_snapshot(call) != snap]
    created = list({id(call): call for call in new.values()}.values())  # a joined call has two keys
    if created:
        Call.objects.bulk_create(created)
    if changed:
        now = timezone.now()
        for call, _ in changed:
            call.updated_at = now
        fields = [*MERGED_FIELDS, *FINAL_FIELDS, *PAYLOAD_FIELDS, "campaign", "updated_at"]
        rows_update(Call, [call for call, _ in changed], fields)
    rollups_apply(
        before=[facts for _, facts in changed],
        after=[
            CallFacts.of(c, timezone=accounts[c.account_id].timezone)
            for c in (*created, *(call for call, _ in changed))
        ],
    )
    now, changed_ids = timezone.now(), {id(call) for call, _ in changed}
    call_changes_publish(
        changes=[
            call_change(call=call, before=snapshot, origin=origin, now=now)
            for call, snapshot in touched.values()
            if snapshot is None or id(call) in changed_ids
        ]
    )
    return results


def call_upsert(
    *, account: Account, event: CallEvent, origin: Origin, fallback_campaign: Campaign | None = None
) -> CallUpsert:
    """Insert or merge one call event. Running it again with the same event changes nothing.

    The batch core with one item; if another transaction inserts the same call meanwhile, the insert
    fails and the event merges into their row instead."""
    items = [(event, fallback_campaign)]
    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: a lost insert race leaves the transaction usable
                (result,) = calls_upsert(account=account, items=items, origin=origin)
        except IntegrityError:
            # Someone else inserted it a moment ago: merge into theirs instead.
            (result,) = calls_upsert(account=account, items=items, origin=origin)
        return result


def _daily_rows(calls: QuerySet, tz: ZoneInfo, keys: tuple[str, ...]) -> QuerySet:
    """`calls` counted per `keys` and local day (RAW_SUMS)."""
    local = calls.annotate(day=TruncDate("started_at", tzinfo=tz))
    return local.values(*keys, "day").annotate(**RAW_SUMS).order_by()


def _hourly_rows(calls: QuerySet, tz: ZoneInfo, keys: tuple[str, ...]) -> Iterator[dict]:
    """`calls` counted per `keys`, local day and local hour (the repeated hour of a DST change is one)."""
    local = calls.annotate(local_hour=TruncHour("started_at", tzinfo=tz))
    for row in local.values(*keys, "local_hour").annotate(**RAW_SUMS).order_by():
        hour = row.pop("local_hour").astimezone(tz)
        yield {**row, "day": hour.date(), "hour": hour.hour}


def campaign_metrics_rebuild(
    *,
    account: Account,
    calls: QuerySet | None = None,
    daily_model: type[Model] = CampaignDailyMetric,
    hourly_model: type[Model] = CampaignHourlyMetric,
) -> None:
    """Recompute the metrics of the account's campaigns from its raw calls.

    The models are arguments so that a migration can pass its historical ones (and `calls`, the
    account's calls through its historical Call): migration 0011 rebuilt every campaign's metrics
    this way when they gained a provider, a source and hours."""
    tz = zone(account.timezone)
    if calls is None:
        calls = Call.objects.filter(account=account)
    daily_model.objects.filter(campaign__account_id=account.pk).delete()
    hourly_model.objects.filter(campaign__account_id=account.pk).delete()
    attributed = calls.filter(campaign__isnull=False)
    daily_model.objects.bulk_create(
        (daily_model(**row) for row in _daily_rows(attributed, tz, ("campaign_id", "provider", "source"))),
        batch_size=2000,
    )
    hourly_model.objects.bulk_create(
        (hourly_model(**row) for row in _hourly_rows(attributed, tz, ("campaign_id", "provider"))), batch_size=2000
    )


@transaction.atomic
def call_rollups_rebuild(*, account: Account) -> int:
    """Recompute the account's rollups and campaign metrics from its raw calls (after a time zone
    change, or a repair)."""
    CallDailyRollup.objects.filter(account=account).delete()
    CallHourlyRollup.objects.filter(account=account).delete()
    tz = zone(account.timezone)
    calls = Call.objects.filter(account=account)
    daily = _daily_rows(calls, tz, ("provider", "provider_account_id", "source"))
    CallDailyRollup.objects.bulk_create((CallDailyRollup(account=account, **row) for row in daily), batch_size=2000)
    hourly = _hourly_rows(calls, tz, ("provider", "provider_account_id"))
    CallHourlyRollup.objects.bulk_create((CallHourlyRollup(account=account, **row) for row in hourly), batch_size=2000)
    campaign_metrics_rebuild(account=account, calls=calls)
    return calls.count()
