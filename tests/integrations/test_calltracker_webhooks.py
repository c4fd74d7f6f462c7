"""Call Tracker deliveries, end to end through an endpoint created with the API, the real receiver and
processing: every event in its store, 200 for every authentic delivery (unknown types included), a token
or a Basic login, dedupe on type + data.id + body, and `webhook_failing` raised before Call Tracker
gives up on the endpoint."""

import base64
import json
from datetime import UTC, datetime

import pytest

from integrations.models import Call, Lead, Message, ProviderTracker, UsageRecord, WebhookDelivery
from integrations.webhooks.processing import webhook_deliveries_process
from notifications.models import Event, Notification
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db


def fixture(name: str) -> dict:
    return load_fixture("calltracker", name)


@pytest.fixture
def ct_endpoint(api, campaign):
    response = api.post(
        "/v1/webhook-endpoints", {"provider": "calltracker", "campaign_id": str(campaign.pk)}, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["auth"] == "query_token" and f"?token={data['credential']}" in data["url"]
    return data


def deliver(client, endpoint: dict, payload: dict | bytes, *, token: str | None = None, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    query = "" if token == "" else f"?token={token or endpoint['credential']}"
    url = f"/v1/e/calltracker/webhook/{endpoint['id']}/{query}"
    return client.generic("POST", url, body, content_type="application/json", **headers)


def test_call_events_merge_into_one_call_with_its_recording_and_voicemail(client, ct_endpoint, campaign):
    for name in (
        "call.received__seed",
        "call.finished__seed",
        "call.recording.available__seed",
        "voicemail.received__aligned",
    ):
        assert deliver(client, ct_endpoint, fixture(name)).status_code == 200
        assert set(webhook_deliveries_process().values()) == {"processed"}

    call = Call.objects.get()
    assert (call.provider, call.provider_call_id, call.campaign) == ("calltracker", "59179", campaign)
    assert (call.status, call.duration) == ("answered", 219)
    assert call.started_at == datetime(2019, 3, 9, 9, 9, 51, 733192, tzinfo=UTC)
    assert call.recording_url == "https://example.com/recording/example.wav"  # the voicemail's, the latest
    assert call.voicemail is True
    assert call.transcript == "Hi, this is an example voicemail transcription. Thanks."


def test_the_recording_event_adds_the_recording(client, ct_endpoint):
    for name in ("call.received__seed", "call.recording.available__seed"):
        deliver(client, ct_endpoint, fixture(name))
    webhook_deliveries_process()

    assert Call.objects.get().recording_url.endswith("CAa0d99df2ede69656e55cd40e2ca05.mp3")


def test_messages_trackers_and_usage_land_in_their_stores(client, ct_endpoint, account, campaign):
    names = (
        "message.received__seed",
        "message.sent__seed",
        "tracker.created__seed",
        "tracker.updated__seed",
        "usage.created__seed",
    )
    for name in names:
        assert deliver(client, ct_endpoint, fixture(name)).status_code == 200
    assert set(webhook_deliveries_process().values()) == {"processed"}

    messages = {m.direction: m for m in Message.objects.filter(account=account)}
    assert set(messages) == {"inbound", "outbound"}
    inbound = messages["inbound"]
    assert (inbound.provider_message_id, inbound.body) == ("139", "Hello! This is an message example")
    assert (inbound.tracking_number, inbound.campaign) == ("+18556000724", campaign)  # the endpoint's campaign
    tracker = ProviderTracker.objects.get(account=account)
    assert (tracker.provider_tracker_id, tracker.name, tracker.tracking_numbers) == (
        "1013",
        "Startup Lister",
        ["+18558871739"],
    )
    usage = dict(UsageRecord.objects.filter(account=account).values_list("kind", "quantity"))
    assert usage == {
        "local_minutes": 203,
        "tollfree_minutes": 234,
        "local_numbers": 10,
        "tollfree_numbers": 3,
        "sms_messages": 18,
    }
    assert not Call.objects.exists() and not Lead.objects.exists()


def test_a_later_tracker_event_updates_the_mirror(client, ct_endpoint):
    created = fixture("tracker.created__seed")
    updated = fixture("tracker.updated__seed")
    updated["data"]["name"] = "Renamed"
    for payload in (created, updated):
        deliver(client, ct_endpoint, payload)
        webhook_deliveries_process()

    assert ProviderTracker.objects.get().name == "Renamed"


def test_a_long_event_type_is_cut_to_the_event_column(client, ct_endpoint):
    assert deliver(client, ct_endpoint, {"type": "x" * 80, "data": {}}).status_code == 200
    assert WebhookDelivery.objects.get().event == "x" * 32


def test_basic_auth_endpoints_take_their_login(client, api, campaign):
    response = api.post("/v1/webhook-endpoints", {"provider": "calltracker", "auth": "basic"}, format="json")
    endpoint = response.json()["data"]
    login = base64.b64encode(f"{endpoint['basic_username']}:{endpoint['basic_password']}".encode()).decode()
    wrong = base64.b64encode(f"{endpoint['basic_username']}:nope".encode()).decode()
    url = f"/v1/e/calltracker/webhook/{endpoint['id']}/"
    body = json.dumps(fixture("call.finished__seed")).encode()

    good = client.generic("POST", url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {login}")
    bad = client.generic("POST", url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {wrong}")
    missing = client.generic("POST", url, body, content_type="application/json")

    assert (good.status_code, bad.status_code, missing.status_code) == (200, 401, 401)


def test_webhook_failing_is_raised_before_call_tracker_gives_up(client, ct_endpoint, account):
    """Call Tracker retries a refused delivery 5 times over 24 hours, then deactivates the endpoint: the
    owners hear of it by the second refusal, whatever the hour-wide threshold for other providers."""
    for _ in range(2):
        assert deliver(client, ct_endpoint, fixture("call.finished__seed"), token="wrong").status_code == 401

    assert Notification.objects.filter(account=account, event=Event.WEBHOOK_FAILING).count() == 1
