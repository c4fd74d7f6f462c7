"""Writing calls: idempotent upserts from any source (sync, webhooks), with rollups kept exact."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from accounts.models import Account
from integrations.events import CallEvent, CallStatus
from integrations.models import Call, CallDailyRollup, CallHourlyRollup, Campaign, CampaignDailyMetric
from integrations.rollups import RAW_SUMS, ROLLUP_MODELS, CallFacts, rollups_apply, zone

# Fields an event may fill; an empty incoming value never erases a known one.
MERGED_FIELDS = ("tracking_number", "caller_number", "source", "recording_url")
# Fields only a final event may change once the call is final (a late "start" must not regress it).
FINAL_FIELDS = ("status", "duration", "talk_time", "direction", "is_first_time_caller", "started_at")
PAYLOAD_FIELDS = ("raw", "normalization_notes", "provider_account_id")


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


def _attribute(candidates: list[Campaign], event: CallEvent, fallback: Campaign | None) -> Campaign | None:
    """Tracking-number rules for the provider account first, then `fallback` (the endpoint's campaign)."""
    if event.tracking_number:
        for campaign in candidates:
            if (
                campaign.integration == event.provider
                and event.tracking_number in campaign.tracking_numbers
                and campaign.ctm_account_id in ("", event.provider_account_id)
            ):
                return campaign
    return fallback


def _snapshot(call: Call) -> dict:
    return {f: getattr(call, f) for f in (*MERGED_FIELDS, *FINAL_FIELDS, *PAYLOAD_FIELDS, "campaign_id")}


def _apply_event(call: Call, event: CallEvent, *, known: bool) -> None:
    """Merge `event` into `call` (`known`: the call was stored before this event)."""
    regress = known and CallStatus(call.status).is_final and not event.status.is_final
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
            setattr(call, name, value)
    call.provider_account_id = event.provider_account_id or call.provider_account_id


def calls_upsert(*, account: Account, items: list[tuple[CallEvent, Campaign | None]]) -> list[CallUpsert]:
    """Insert or merge many events of one account at once, each with the campaign it falls back to,
    and return for each, in order, what happened to its call: a handful of queries for the whole
    batch. Every write (calls, rollups) goes through here. Runs inside the caller's transaction. If
    another transaction inserts one of these calls meanwhile, the IntegrityError propagates: callers
    retry (`call_upsert` does, and batch callers fall back to it one event at a time).
    """
    call_ids = {event.provider_call_id for event, _ in items}
    providers = {event.provider for event, _ in items}
    stored = {
        (c.provider, c.provider_call_id): c
        for c in Call.objects.select_for_update().filter(
            account=account, provider__in=providers, provider_call_id__in=call_ids
        )
    }
    candidates: list[Campaign] | None = None  # read once, when an event needs attributing

    def attribute(event: CallEvent, fallback: Campaign | None) -> Campaign | None:
        nonlocal candidates
        if event.tracking_number and candidates is None:
            candidates = attribution_candidates(account=account)
        return _attribute(candidates or [], event, fallback)

    new: dict[tuple[str, str], Call] = {}
    before: dict[tuple[str, str], tuple[CallFacts, dict]] = {}
    results: list[CallUpsert] = []
    for event, fallback in items:
        key = (event.provider, event.provider_call_id)
        call = stored.get(key) or new.get(key)
        if call is None:
            call = Call(
                account=account,
                provider=event.provider,
                provider_call_id=event.provider_call_id,
                provider_account_id=event.provider_account_id,
            )
            _apply_event(call, event, known=False)
            call.campaign = attribute(event, fallback)
            new[key] = call
            results.append(CallUpsert(call=call, created=True, changed=True))
            continue
        if key in stored and key not in before:
            before[key] = (CallFacts.of(call, timezone=account.timezone), _snapshot(call))
        previous, snapshot = call.status, _snapshot(call)
        _apply_event(call, event, known=True)
        if call.campaign_id is None:
            call.campaign = attribute(event, fallback)
        changed = _snapshot(call) != snapshot
        results.append(CallUpsert(call=call, created=False, changed=changed, previous_status=previous))

    changed_calls = [stored[k] for k, (_, snap) in before.items() if _snapshot(stored[k]) != snap]
    if new:
        Call.objects.bulk_create(list(new.values()))
    if changed_calls:
        now = timezone.now()
        for call in changed_calls:
            call.updated_at = now
        fields = [*MERGED_FIELDS, *FINAL_FIELDS, *PAYLOAD_FIELDS, "campaign", "updated_at"]
        Call.objects.bulk_update(changed_calls, fields)
    rollups_apply(
        before=[before[(c.provider, c.provider_call_id)][0] for c in changed_calls],
        after=[CallFacts.of(c, timezone=account.timezone) for c in (*new.values(), *changed_calls)],
    )
    return results


def call_upsert(*, account: Account, event: CallEvent, fallback_campaign: Campaign | None = None) -> CallUpsert:
    """Insert or merge one call event. Running it again with the same event changes nothing.

    The batch core with one item; if another transaction inserts the same call meanwhile, the insert
    fails and the event merges into their row instead."""
    items = [(event, fallback_campaign)]
    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: a lost insert race leaves the transaction usable
                (result,) = calls_upsert(account=account, items=items)
        except IntegrityError:
            # Someone else inserted it a moment ago: merge into theirs instead.
            (result,) = calls_upsert(account=account, items=items)
        return result


@transaction.atomic
def call_rollups_rebuild(*, account: Account) -> int:
    """Recompute the account's rollups from its raw calls (after a time zone change, or a repair)."""
    for model in ROLLUP_MODELS:
        owner = {"campaign__account": account} if model is CampaignDailyMetric else {"account": account}
        model.objects.filter(**owner).delete()
    tz = zone(account.timezone)
    calls = Call.objects.filter(account=account)
    daily = calls.annotate(day=TruncDate("started_at", tzinfo=tz)).values(
        "provider", "provider_account_id", "source", "day"
    )
    CallDailyRollup.objects.bulk_create(
        (CallDailyRollup(account=account, **row) for row in daily.annotate(**RAW_SUMS).order_by()), batch_size=2000
    )
    hourly = calls.annotate(local_hour=TruncHour("started_at", tzinfo=tz)).values(
        "provider", "provider_account_id", "local_hour"
    )
    CallHourlyRollup.objects.bulk_create(
        (
            CallHourlyRollup(
                account=account,
                day=row["local_hour"].astimezone(tz).date(),
                hour=row["local_hour"].astimezone(tz).hour,
                **{k: v for k, v in row.items() if k != "local_hour"},
            )
            for row in hourly.annotate(**RAW_SUMS).order_by()
        ),
        batch_size=2000,
    )
    campaign = calls.filter(campaign__isnull=False).annotate(day=TruncDate("started_at", tzinfo=tz))
    CampaignDailyMetric.objects.bulk_create(
        (CampaignDailyMetric(**row) for row in campaign.values("campaign_id", "day").annotate(**RAW_SUMS).order_by()),
        batch_size=2000,
    )
    return calls.count()
