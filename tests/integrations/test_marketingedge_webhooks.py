"""Marketing Edge (Telmetrics) deliveries, end to end: signature and public key, the echo check,
dedupe on the envelope's Id, and Start -> Preprocessed -> Processed merged into one call in any order."""

import hashlib
import hmac
import itertools
import json

import pytest
from django.db.models import Sum

from integrations.models import Call, CallDailyRollup, WebhookDelivery
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

START = load_fixture("marketingedge", "CallDetails.CallStartCall__aligned")
PREPROCESSED = load_fixture("marketingedge", "CallDetails.CallPreprocessed__seed")
PROCESSED = load_fixture("marketingedge", "CallDetails.CallProcessed__aligned")


def ms_signature(secret: str, body: bytes) -> str:
    """Written here from the format (sha256=<hex> of HMAC-SHA256 over the body), not the product's."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def me_endpoint(api, campaign):
    response = api.post(
        "/v1/webhook-endpoints",
        {"provider": "marketingedge", "campaign_id": str(campaign.pk), "public_key": "pk-4062"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    return data["id"], data["signing_secret"]


def deliver(client, endpoint, payload: dict, *, secret: str | None = None, public_key: str = "pk-4062", **extra):
    endpoint_id, endpoint_secret = endpoint
    body = json.dumps(payload).encode()
    headers = {"HTTP_MS_SIGNATURE": ms_signature(secret or endpoint_secret, body), "HTTP_X_PUBLICKEY": public_key}
    url = f"/v1/e/marketingedge/webhook/{endpoint_id}/"
    return client.generic("POST", url, body, content_type="application/json", **headers, **extra)


@pytest.mark.parametrize("order", list(itertools.permutations(["start", "preprocessed", "processed"])))
def test_the_three_notifications_are_one_call_whatever_their_order(client, me_endpoint, account, campaign, order):
    payloads = {"start": START, "preprocessed": PREPROCESSED, "processed": PROCESSED}
    for name in order:
        assert deliver(client, me_endpoint, payloads[name]).status_code == 200
        assert set(webhook_deliveries_process().values()) == {"processed"}

    call = Call.objects.get()
    assert (call.provider, call.provider_call_id, call.provisional) == ("marketingedge", "2079571437", False)
    assert (call.tracking_number, call.caller_number) == ("+18669592359", "+19055552955")
    assert (call.status, call.talk_time, call.campaign) == ("answered", 7, campaign)
    assert call.transcript and call.recording_url  # the Processed notification's, whatever came last
    assert CallDailyRollup.objects.filter(account=account).aggregate(n=Sum("calls"))["n"] == 1


def test_a_wrong_public_key_is_401_and_kept_as_rejected(client, me_endpoint):
    response = deliver(client, me_endpoint, PROCESSED, public_key="someone-else")

    assert (response.status_code, response.json()["code"]) == (401, "INVALID_PUBLIC_KEY")
    assert WebhookDelivery.objects.get().valid is False


def test_the_signature_hex_may_be_upper_case(client, me_endpoint):
    endpoint_id, secret = me_endpoint
    body = json.dumps(PROCESSED).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().upper()
    response = client.generic(
        "POST",
        f"/v1/e/marketingedge/webhook/{endpoint_id}/",
        body,
        content_type="application/json",
        HTTP_MS_SIGNATURE=signature,
        HTTP_X_PUBLICKEY="pk-4062",
    )
    assert response.status_code == 200


def test_the_registration_echo_is_answered_as_text(client, me_endpoint):
    endpoint_id, _ = me_endpoint
    url = f"/v1/e/marketingedge/webhook/{endpoint_id}/"

    echo = client.get(url, {"echo": "3f2b8c1e-5a7d-4e9f-b0c6-1d2e3f4a5b6c"})
    assert (echo.status_code, echo["Content-Type"]) == (200, "text/plain; charset=utf-8")
    assert echo.content == b"3f2b8c1e-5a7d-4e9f-b0c6-1d2e3f4a5b6c"
    assert client.get(url, {"echo": "<script>"}).status_code == 400
    assert (
        client.get("/v1/e/marketingedge/webhook/6f1d3c1e-0000-4000-8000-000000000000/", {"echo": "x"}).status_code
        == 404
    )


def test_other_receivers_serve_no_get(client, endpoint):
    assert client.get(f"/v1/e/calltrackingmetrics/webhook/{endpoint.pk}/", {"echo": "x"}).status_code == 405


def test_a_start_and_its_call_in_one_batch_are_one_call_counted_once(client, me_endpoint, account, caplog):
    for payload in (START, PREPROCESSED, PROCESSED):
        assert deliver(client, me_endpoint, payload).status_code == 200

    assert set(webhook_deliveries_process().values()) == {"processed"}  # one batch, no fallback

    assert "processing one by one" not in caplog.text
    assert Call.objects.count() == 1
    assert CallDailyRollup.objects.filter(account=account).aggregate(n=Sum("calls"))["n"] == 1
