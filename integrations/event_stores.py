"""Writing what providers send besides calls: text messages, form leads, their trackers, billing usage.

Idempotent upserts, one row per (provider, account, provider's id): the same events again change
nothing; a later event about the same record (a tracker renamed, a message resent) updates it. A
record's campaign, once attributed, stays. Each service runs inside the caller's transaction; if
another transaction inserts one of these records meanwhile, the IntegrityError propagates and the
caller retries (processing falls back to one delivery at a time, which retries once).

A message or a lead stored for the first time is published on the seam (`ActivityCreated`, see
`integrations.call_changes`), with its origin and whether it is news (`integrations.news`); a
duplicate or an update of a known one is not.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import Account
from integrations.call_changes import ActivityCreated, Origin, activities_publish
from integrations.call_services import attribution_candidates, campaign_attribute
from integrations.events import LeadEvent, MessageEvent, TrackerEvent, UsageEvent
from integrations.models import Campaign, Lead, Message, ProviderTracker, UsageRecord
from integrations.news import is_news, news_window


def _upsert(
    *,
    model: type[models.Model],
    account: Account,
    id_field: str,
    rows: dict[tuple[str, str], dict[str, Any]],
    campaign_of: Callable[[tuple[str, str]], Campaign | None] | None = None,
) -> tuple[list[models.Model], list[models.Model]]:
    """Insert or update `rows` ({(provider, provider id): fields}) of one account, in a few queries.
    Returns the rows in order, and those that were created."""
    if not rows:
        return [], []
    stored = {
        (row.provider, getattr(row, id_field)): row
        for row in model.objects.select_for_update().filter(
            account=account,
            provider__in={provider for provider, _ in rows},
            **{f"{id_field}__in": {record_id for _, record_id in rows}},
        )
    }
    new, changed = [], []
    for key, fields in rows.items():
        row = stored.get(key)
        if row is None:
            row = model(account=account, provider=key[0], **{id_field: key[1]}, **fields)
            if campaign_of is not None:
                row.campaign = campaign_of(key)
            new.append(row)
            stored[key] = row
            continue
        differs = {name: value for name, value in fields.items() if getattr(row, name) != value}
        if campaign_of is not None and row.campaign_id is None:
            campaign = campaign_of(key)
            if campaign is not None:
                differs["campaign"] = campaign
        if differs:
            for name, value in differs.items():
                setattr(row, name, value)
            changed.append(row)
    if new:
        model.objects.bulk_create(new)
    if changed:
        names = {name for row in changed for name in rows.get((row.provider, getattr(row, id_field)), {})}
        if campaign_of is not None:
            names.add("campaign")
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for row in changed:
                row.updated_at = now
            names.add("updated_at")
        model.objects.bulk_update(changed, sorted(names))
    return [stored[key] for key in rows], new


def _publish_created(*, kind: str, created: list, origin: Origin, happened_at: Callable[[Any], datetime]) -> None:
    now, window = timezone.now(), news_window()
    activities_publish(
        created=[
            ActivityCreated(
                kind=kind,
                record=record,
                origin=origin,
                news=is_news(origin=origin, finished_at=happened_at(record), now=now, window=window),
            )
            for record in created
        ]
    )


def messages_upsert(
    *,
    account: Account,
    events: Sequence[MessageEvent],
    origin: Origin,
    fallback_campaign: Campaign | None = None,
) -> list[Message]:
    """Text messages, attributed like calls: by tracking number, else `fallback_campaign` (the endpoint's).
    Each new one is published as an `ActivityCreated` of kind "message"."""
    rows = {
        (e.provider, e.provider_message_id): {
            "provider_account_id": e.provider_account_id,
            "direction": e.direction.value,
            "from_number": e.from_number,
            "to_number": e.to_number,
            "tracking_number": e.tracking_number,
            "body": e.body,
            "sent_at": e.sent_at,
            "raw": e.raw,
        }
        for e in events
    }
    by_key = {(e.provider, e.provider_message_id): e for e in events}
    candidates: list[Campaign] | None = None

    def campaign_of(key: tuple[str, str]) -> Campaign | None:
        nonlocal candidates
        event = by_key[key]
        if event.tracking_number and candidates is None:
            candidates = attribution_candidates(account=account)
        return campaign_attribute(candidates or [], event, fallback_campaign)

    messages, created = _upsert(
        model=Message, account=account, id_field="provider_message_id", rows=rows, campaign_of=campaign_of
    )
    _publish_created(kind="message", created=created, origin=origin, happened_at=lambda m: m.sent_at)
    return messages


def leads_upsert(
    *,
    account: Account,
    events: Sequence[LeadEvent],
    origin: Origin,
    fallback_campaign: Campaign | None = None,
) -> list[Lead]:
    """Form submissions, in `fallback_campaign` (the endpoint's): a lead names no tracking number.
    Each new one is published as an `ActivityCreated` of kind "lead"."""
    rows = {
        (e.provider, e.provider_lead_id): {
            "provider_account_id": e.provider_account_id,
            "submitted_at": e.submitted_at,
            "name": e.name[:200],
            "email": e.email[:254],
            "phone_number": e.phone_number,
            "form_name": e.form_name[:200],
            "fields": e.fields,
            "source": e.source[:200],
            "attribution": e.attribution,
            "raw": e.raw,
        }
        for e in events
    }
    leads, created = _upsert(
        model=Lead, account=account, id_field="provider_lead_id", rows=rows, campaign_of=lambda _: fallback_campaign
    )
    _publish_created(kind="lead", created=created, origin=origin, happened_at=lambda lead: lead.submitted_at)
    return leads


def trackers_upsert(*, account: Account, events: Sequence[TrackerEvent]) -> list[ProviderTracker]:
    """The mirror of the provider's trackers: each event is the tracker as it is now (the later wins)."""
    rows = {
        (e.provider, e.provider_tracker_id): {
            "provider_account_id": e.provider_account_id,
            "name": e.name[:200],
            "tracking_numbers": list(e.tracking_numbers),
            "source": e.source[:200],
            "active": e.active,
            "raw": e.raw,
        }
        for e in events
    }
    return _upsert(model=ProviderTracker, account=account, id_field="provider_tracker_id", rows=rows)[0]


def usage_upsert(*, account: Account, events: Sequence[UsageEvent]) -> list[UsageRecord]:
    """Billing usage, once per usage id (a corrected report under the same id replaces the figures)."""
    rows = {
        (e.provider, e.provider_usage_id): {
            "provider_account_id": e.provider_account_id,
            "occurred_at": e.occurred_at,
            "kind": e.kind[:64],
            "quantity": e.quantity,
            "unit": e.unit[:32],
            "amount_cents": e.amount_cents,
            "raw": e.raw,
        }
        for e in events
    }
    return _upsert(model=UsageRecord, account=account, id_field="provider_usage_id", rows=rows)[0]
