"""The seam: every write of a call publishes one "call changed (before, after)", every new message or
lead one "activity created", with where it came from and whether it is news. Deliveries go through the
real receiver and processing; a receiver connected to the signals records what is published."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.call_changes import Origin
from integrations.models import Call, Lead, Message, WebhookDelivery
from integrations.webhooks.processing import (
    webhook_deliveries_process,
    webhook_delivery_process,
    webhook_delivery_replay,
)
from tests.conftest import deliver, endpoint_url, load_fixture

pytestmark = pytest.mark.django_db

START = load_fixture("ctm", "webhook__start")
END = load_fixture("ctm", "webhook__end")


def received(client, endpoint, payload, event="") -> int:
    url = endpoint_url(endpoint) + (f"?event={event}" if event else "")
    response = deliver(client, url, payload)
    assert response.status_code == 200, response.json()
    return response.json()["data"]["delivery_id"]


def processed(client, endpoint, payload, event="") -> str:
    return webhook_delivery_process(delivery_id=received(client, endpoint, payload, event)).status


def test_a_delivery_publishes_the_call_as_it_was_and_as_it_is(client, endpoint, published):
    processed(client, endpoint, START, "call.received")
    (created,) = published.changes
    assert created.created and created.before is None
    assert (created.origin, created.news) == (Origin.DELIVERY, True)
    assert created.call.pk == Call.objects.get().pk and created.call.status == "in_progress"
    published.clear()

    processed(client, endpoint, END, "call.completed")

    (send,) = published.sends
    (change,) = send
    assert not change.created and (change.origin, change.news) == (Origin.DELIVERY, True)
    assert (change.previous("status"), change.call.status) == ("in_progress", "answered")
    assert (change.previous("duration"), change.call.duration) == (0, 187)
    assert change.changed("recording_url") and not change.changed("caller_number")
    assert change.call.pk == created.call.pk


def test_a_duplicate_delivery_and_one_that_changes_nothing_publish_nothing(client, endpoint, published):
    processed(client, endpoint, END)
    published.clear()

    assert processed(client, endpoint, END) == "duplicate"
    # Another delivery that brings nothing new: a late start of the finished call.
    assert processed(client, endpoint, START, "call.received") == "processed"

    assert published.changes == []


def test_a_batch_publishes_one_change_per_call_from_before_its_first_event_to_after_its_last(
    client, endpoint, published
):
    received(client, endpoint, START, "call.received")
    received(client, endpoint, END, "call.completed")
    webhook_deliveries_process()
    (send,) = published.sends
    (change,) = send
    assert change.created and change.call.status == "answered"  # new to the store: no "before"

    processed(client, endpoint, {**START, "id": 777}, "call.received")
    published.clear()
    received(client, endpoint, {**END, "id": 777, "dial_status": "no-answer", "talk_time": 0}, "call.completed")
    received(client, endpoint, {**END, "id": 777, "dial_status": "no-answer", "talk_time": 0, "duration": 30})
    webhook_deliveries_process()

    (send,) = published.sends
    (change,) = send
    assert (change.previous("status"), change.call.status) == ("in_progress", "missed")
    assert (change.previous("duration"), change.call.duration) == (0, 30)


def test_a_replay_of_an_old_delivery_is_history_and_a_recent_one_is_news(client, endpoint, published):
    old, recent = received(client, endpoint, END), received(client, endpoint, {**END, "id": 778})
    for delivery_id, age in ((old, timedelta(hours=2)), (recent, timedelta(minutes=5))):
        WebhookDelivery.objects.filter(pk=delivery_id).update(status="failed", received_at=timezone.now() - age)
        assert webhook_delivery_replay(delivery=WebhookDelivery.objects.get(pk=delivery_id))

    webhook_deliveries_process()

    by_call = {change.call.provider_call_id: change for change in published.changes}
    assert (by_call["9001234"].origin, by_call["9001234"].news) == (Origin.BACKFILL, False)
    assert (by_call["778"].origin, by_call["778"].news) == (Origin.DELIVERY, True)


def test_the_window_is_a_setting(client, endpoint, published, settings):
    settings.CALL_NEWS_WINDOW_SECONDS = 60
    delivery_id = received(client, endpoint, END)
    WebhookDelivery.objects.filter(pk=delivery_id).update(received_at=timezone.now() - timedelta(minutes=5))

    webhook_deliveries_process()

    (change,) = published.changes
    assert (change.origin, change.news) == (Origin.BACKFILL, False)


# --- messages and leads ---------------------------------------------------------------------------

CALLRAIL_KEY = "072e77e426f92738a72fe23c4d1953b4"


@pytest.fixture
def callrail_endpoint(api, campaign) -> dict:
    response = api.post(
        "/v1/webhook-endpoints",
        {"provider": "callrail", "campaign_id": str(campaign.pk), "signing_secret": CALLRAIL_KEY},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def callrail_deliver(client, endpoint: dict, event: str, fixture: str) -> None:
    body = json.dumps(load_fixture("callrail", fixture)).encode()
    signature = base64.b64encode(hmac.new(CALLRAIL_KEY.encode(), body, hashlib.sha1).digest()).decode()
    response = client.generic(
        "POST", endpoint["urls"][event], body, content_type="application/json", HTTP_SIGNATURE=signature
    )
    assert response.status_code == 200, response.json()


def test_new_messages_and_leads_are_published_once(client, callrail_endpoint, published):
    callrail_deliver(client, callrail_endpoint, "text_message_received", "text_message_received__sms")
    callrail_deliver(client, callrail_endpoint, "form_submission", "form_submission__contact_form")
    webhook_deliveries_process()

    assert sorted((a.kind, a.origin, a.news) for a in published.activities) == [
        ("lead", Origin.DELIVERY, True),
        ("message", Origin.DELIVERY, True),
    ]
    records = {a.kind: a.record for a in published.activities}
    assert records["message"] == Message.objects.get() and records["lead"] == Lead.objects.get()
    published.clear()

    # The same message and lead again (a provider's retry, or a new delivery of the same records).
    callrail_deliver(client, callrail_endpoint, "text_message_received", "text_message_received__sms")
    callrail_deliver(client, callrail_endpoint, "form_submission", "form_submission__contact_form")
    WebhookDelivery.objects.update(dedupe_key="")  # not even caught as duplicate deliveries: the stores see them
    webhook_deliveries_process()

    assert published.activities == [] and (Message.objects.count(), Lead.objects.count()) == (1, 1)
