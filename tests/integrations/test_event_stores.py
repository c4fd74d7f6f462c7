"""The stores for what providers send besides calls: idempotent upserts, attribution, and processing's
dispatch of each event type to its store."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from integrations.call_changes import Origin
from integrations.event_stores import leads_upsert, messages_upsert, trackers_upsert, usage_upsert
from integrations.events import LeadEvent, MessageDirection, MessageEvent, TrackerEvent, UsageEvent
from integrations.models import Campaign, Lead, Message, ProviderTracker, UsageRecord
from integrations.webhooks import processing

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 9, 9, 14, tzinfo=UTC)
MESSAGE = MessageEvent(
    provider="p",
    provider_message_id="m1",
    provider_account_id="a1",
    direction=MessageDirection.INBOUND,
    sent_at=AT,
    from_number="+15550001111",
    to_number="+15559876543",
    body="Hello",
    tracking_number="+15559876543",
    raw={"id": "m1"},
)
LEAD = LeadEvent(provider="p", provider_lead_id="l1", provider_account_id="a1", submitted_at=AT, name="Ann")
TRACKER = TrackerEvent(provider="p", provider_tracker_id="t1", provider_account_id="a1", name="Main")
USAGE = UsageEvent(provider="p", provider_usage_id="u1:minutes", provider_account_id="a1", occurred_at=AT, quantity=3)


def test_running_each_upsert_twice_changes_nothing(account, campaign):
    for _ in range(2):
        messages_upsert(account=account, origin=Origin.DELIVERY, events=[MESSAGE])
        leads_upsert(account=account, origin=Origin.DELIVERY, events=[LEAD], fallback_campaign=campaign)
        trackers_upsert(account=account, events=[TRACKER])
        usage_upsert(account=account, events=[USAGE])

    stamps = {m: list(m.objects.values_list("pk", "updated_at")) for m in (Message, Lead, ProviderTracker)}
    messages_upsert(account=account, origin=Origin.DELIVERY, events=[MESSAGE])
    leads_upsert(account=account, origin=Origin.DELIVERY, events=[LEAD], fallback_campaign=campaign)
    trackers_upsert(account=account, events=[TRACKER])
    assert {m: list(m.objects.values_list("pk", "updated_at")) for m in stamps} == stamps
    assert [m.objects.count() for m in (Message, Lead, ProviderTracker, UsageRecord)] == [1, 1, 1, 1]
    assert Lead.objects.get().campaign == campaign


def test_a_later_tracker_event_updates_the_mirror(account):
    trackers_upsert(account=account, events=[TRACKER])
    trackers_upsert(account=account, events=[replace(TRACKER, name="Renamed", tracking_numbers=("+15550002222",))])

    tracker = ProviderTracker.objects.get()
    assert (tracker.name, tracker.tracking_numbers) == ("Renamed", ["+15550002222"])


def test_a_message_is_attributed_by_tracking_number_before_the_fallback(account, campaign):
    campaign.integration, campaign.ctm_account_id = "p", ""
    campaign.save()
    other = Campaign.objects.create(account=account, name="Fallback")

    messages_upsert(account=account, origin=Origin.DELIVERY, events=[MESSAGE], fallback_campaign=other)
    messages_upsert(
        account=account,
        origin=Origin.DELIVERY,
        events=[replace(MESSAGE, provider_message_id="m2", tracking_number="")],
        fallback_campaign=other,
    )

    assert dict(Message.objects.values_list("provider_message_id", "campaign")) == {"m1": campaign.pk, "m2": other.pk}


def test_records_are_per_account(account, make_account):
    other = make_account()
    messages_upsert(account=account, origin=Origin.DELIVERY, events=[MESSAGE])
    messages_upsert(account=other, origin=Origin.DELIVERY, events=[MESSAGE])

    assert Message.objects.count() == 2


def test_every_stored_kind_has_a_store_and_an_unknown_kind_still_fails():
    assert set(processing.STORES) == {MessageEvent, LeadEvent, TrackerEvent, UsageEvent}

    class Strange:
        pass

    with pytest.raises(TypeError, match="no store for Strange"):
        processing._split_events([Strange()], delivery=type("D", (), {"pk": 1})())
