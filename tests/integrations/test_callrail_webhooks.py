"""CallRail deliveries, end to end through an endpoint created with the API, the real receiver and
processing: the Signature header, one URL per event, calls / leads / text messages in their stores and
lists, dedupe on resource id + event + body, and call_modified applying later changes."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from integrations.models import Call, Lead, Message
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import api_client_for, load_fixture, owner_of

pytestmark = pytest.mark.django_db

SIGNING_KEY = "072e77e426f92738a72fe23c4d1953b4"  # CallRail's documented vector's key


def sign(key: str, body: bytes) -> str:
    """Written here from CallRail's format (base64 of HMAC-SHA1 over the raw body), not the product's."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha1).digest()).decode()


@pytest.fixture
def cr_endpoint(api, campaign):
    response = api.post(
        "/v1/webhook-endpoints",
        {"provider": "callrail", "campaign_id": str(campaign.pk), "signing_secret": SIGNING_KEY},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def deliver(client, endpoint: dict, event: str, payload: dict | bytes, *, key: str = SIGNING_KEY, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {} if signature == "" else {"HTTP_SIGNATURE": signature or sign(key, body)}
    return client.generic("POST", endpoint["urls"][event], body, content_type="application/json", **headers)


def test_the_endpoint_lists_one_url_per_event(cr_endpoint):
    urls = cr_endpoint["urls"]
    assert set(urls) >= {"post_call", "call_modified", "form_submission", "text_message_received"}
    assert urls["post_call"] == cr_endpoint["url"] + "?event=post_call"
    assert "signing_secret" not in cr_endpoint  # given by the user: not echoed


def test_endpoints_of_other_providers_have_no_event_urls(api):
    response = api.post("/v1/webhook-endpoints", {"provider": "marketingedge"}, format="json")
    assert "urls" not in response.json()["data"]


def test_callrails_documented_vector_is_accepted(client, cr_endpoint):
    body = (Path(__file__).parents[1] / "fixtures/callrail/post_call__signature_vector.json").read_bytes()

    response = deliver(client, cr_endpoint, "post_call", body, signature="UZAHbUdfm3GqL7qzilGozGzWV64=")

    assert response.status_code == 200
    webhook_deliveries_process()
    assert Call.objects.get().voicemail is True


def test_call_events_merge_and_call_modified_applies_later_changes(client, cr_endpoint, campaign):
    for event, name in [
        ("pre_call", "pre_call__inbound"),
        ("call_routing_complete", "call_routing_complete__inbound"),
        ("post_call", "post_call__answered"),
        ("call_modified", "call_modified__tags_note_value"),
    ]:
        assert deliver(client, cr_endpoint, event, load_fixture("callrail", name)).status_code == 200
        assert set(webhook_deliveries_process().values()) == {"processed"}

    call = Call.objects.get()
    assert (call.provider, call.provider_call_id) == ("callrail", "CAL0f4b9e21c7d84a6f8e53b1d2c9a07e64")
    assert (call.status, call.duration, call.campaign) == ("answered", 184, campaign)
    assert call.scoring["value"] == "250.00"  # only the call_modified delivery says so


def test_a_retry_is_a_duplicate_and_a_modified_call_with_new_content_is_not(client, cr_endpoint):
    post_call = load_fixture("callrail", "post_call__answered")
    modified = load_fixture("callrail", "call_modified__tags_note_value")
    modified_again = {**modified, "value": "300.00"}
    for event, payload in [
        ("post_call", post_call),
        ("post_call", post_call),
        ("call_modified", modified),
        ("call_modified", modified_again),
    ]:
        deliver(client, cr_endpoint, event, payload)

    assert sorted(webhook_deliveries_process().values()) == ["duplicate", "processed", "processed", "processed"]
    assert Call.objects.get().scoring["value"] == "300.00"


def test_a_form_submission_is_a_lead_in_the_leads_list(client, cr_endpoint, api, campaign):
    response = deliver(
        client, cr_endpoint, "form_submission", load_fixture("callrail", "form_submission__contact_form")
    )
    assert response.status_code == 200
    webhook_deliveries_process()

    response = api.get("/v1/leads", {"provider": "callrail", "campaign_id": str(campaign.pk)})
    assert response.status_code == 200
    (lead,) = response.json()["data"]
    assert (lead["provider_lead_id"], lead["name"]) == ("FOR3c8e1a9d52b74f0e6a1d9c4b7e20f58a", "Dana Whitfield")
    assert not Call.objects.exists()


def test_text_messages_are_in_the_messages_list(client, cr_endpoint, api):
    deliver(client, cr_endpoint, "text_message_received", load_fixture("callrail", "text_message_received__sms"))
    deliver(client, cr_endpoint, "text_message_sent", load_fixture("callrail", "text_message_sent__sms"))
    webhook_deliveries_process()

    data = api.get("/v1/messages").json()["data"]
    assert {m["direction"] for m in data} == {"inbound", "outbound"}
    inbound = next(m for m in data if m["direction"] == "inbound")
    assert (inbound["provider_message_id"], inbound["tracking_number"]) == (
        "TXT4a9e2c7b1d0f46e8b3c5a9d27e1f08c6",
        "+14045558514",
    )
    assert inbound["sent_at"].endswith("Z")


def test_messages_and_leads_are_scoped_to_the_account(client, cr_endpoint, make_account, api):
    deliver(client, cr_endpoint, "text_message_received", load_fixture("callrail", "text_message_received__sms"))
    deliver(client, cr_endpoint, "form_submission", load_fixture("callrail", "form_submission__contact_form"))
    webhook_deliveries_process()
    other = make_account("Other Co")
    theirs = api_client_for(owner_of(other), other)

    assert [len(api.get(path).json()["data"]) for path in ("/v1/messages", "/v1/leads")] == [1, 1]
    assert [theirs.get(path).json()["data"] for path in ("/v1/messages", "/v1/leads")] == [[], []]
    assert (Message.objects.count(), Lead.objects.count()) == (1, 1)


@pytest.mark.parametrize("query", [{"provider": "nope"}, {"campaign_id": "x"}, {"limit": 0}, {"other": 1}])
def test_invalid_list_parameters_are_400(api, query):
    assert api.get("/v1/messages", query).status_code == 400
    assert api.get("/v1/leads", query).status_code == 400


def test_a_modification_after_the_post_call_corrects_the_call(client, cr_endpoint):
    post_call = load_fixture("callrail", "post_call__answered")
    corrected = {**load_fixture("callrail", "call_modified__tags_note_value"), "duration": "200"}
    for event, payload in [("post_call", post_call), ("call_modified", corrected)]:
        assert deliver(client, cr_endpoint, event, payload).status_code == 200
        assert set(webhook_deliveries_process().values()) == {"processed"}

    assert Call.objects.get().duration == 200
