"""A mapped custom source: endpoints created through the API, deliveries signed with Standard Webhooks
(or a header token), read through the endpoint's field map into the same call store as CTM's, or (a
map of a form's fields) into the leads listed at GET /v1/leads."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from integrations.models import Call, Lead, WebhookDelivery, WebhookEndpoint
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import api_client_for, load_fixture, owner_of

pytestmark = pytest.mark.django_db

FIELD_MAP = {
    "caller_number": "contact.primary_phone",
    "started_at": "created",
    "duration": "call.length_seconds",
    "tracking_number": "to",
}
CALL = {
    "created": "2026-11-20T15:04:05Z",
    "to": "(555) 987-6543",
    "contact": {"primary_phone": "555-123-4567", "name": "Ada"},
    "call": {"length_seconds": 125},
}


def create_endpoint(api, **fields):
    body = {"provider": "custom", "name": "Scheduling app", "field_map": FIELD_MAP, **fields}
    return api.post("/v1/webhook-endpoints", body, format="json")


def signed(secret: str, body: bytes, *, message_id: str = "msg_1", at: datetime | None = None) -> dict[str, str]:
    at = at or timezone.now()
    signature = Webhook(secret).sign(message_id, at, body.decode())
    return {
        "HTTP_WEBHOOK_ID": message_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }


def post(client, url: str, body: bytes, **headers):
    return client.generic("POST", url, body, content_type="application/json", **headers)


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_an_endpoint_is_created_with_its_url_and_a_secret_shown_once(api, campaign):
    response = create_endpoint(api, campaign_id=str(campaign.pk))

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["provider"] == "custom" and data["auth"] == "standard_webhooks"
    assert data["url"] == f"http://testserver/v1/e/custom/webhook/{data['id']}/"
    assert data["signing_secret"].startswith("whsec_") and len(base64.b64decode(data["signing_secret"][6:])) == 32
    assert data["campaign_id"] == str(campaign.pk) and data["field_map"] == FIELD_MAP

    again = api.get(f"/v1/webhook-endpoints/{data['id']}").json()["data"]
    listed = api.get("/v1/webhook-endpoints").json()["data"]
    assert "signing_secret" not in again and all("signing_secret" not in e for e in listed)
    assert data["signing_secret"] not in json.dumps(listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "calltrackingmetrics"}, "provider"),
        ({"provider": "nobody"}, "provider"),
        ({"provider": "custom", "field_map": {"caller_number": "a.b"}}, "field_map"),  # no started_at
        ({"provider": "custom", "field_map": {**FIELD_MAP, "shoe_size": "x"}}, "field_map"),
        ({"provider": "custom", "field_map": {**FIELD_MAP, "duration": "call..length"}}, "field_map"),
        ({"provider": "custom", "field_map": FIELD_MAP, "auth": "basic"}, "auth"),
    ],
)
def test_what_cannot_work_is_refused_and_nothing_is_created(api, body, field):
    response = api.post("/v1/webhook-endpoints", body, format="json")

    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_ctm_is_pointed_to_its_registration_route(api):
    response = api.post("/v1/webhook-endpoints", {"provider": "calltrackingmetrics"}, format="json")
    assert "/v1/e/calltrackingmetrics/<tokenId>/webhook" in response.json()["message"]


def test_a_signature_outside_its_5_minute_window_is_401(api, client):
    data = create_endpoint(api).json()["data"]
    body = json.dumps(CALL).encode()
    stale = signed(data["signing_secret"], body, at=timezone.now() - timedelta(minutes=10))

    response = post(client, path_of(data["url"]), body, **stale)

    assert (response.status_code, response.json()["code"]) == (401, "INVALID_SIGNATURE")
    assert WebhookDelivery.objects.get().valid is False


def test_a_rotated_secret_keeps_working_for_24_hours_then_not(api, client):
    data = create_endpoint(api).json()["data"]
    old = data["signing_secret"]
    rotated = api.patch(f"/v1/webhook-endpoints/{data['id']}", {"signing_secret": ""}, format="json").json()["data"]
    new = rotated["signing_secret"]
    body = json.dumps(CALL).encode()
    url = path_of(data["url"])

    assert new != old
    assert post(client, url, body, **signed(new, body, message_id="a")).status_code == 200
    assert post(client, url, body, **signed(old, body, message_id="b")).status_code == 200
    expired = WebhookEndpoint.objects.get(pk=data["id"])
    expired.previous_secret_expires_at = timezone.now()  # as 24 hours passing would
    expired.save()
    assert post(client, url, body, **signed(old, body, message_id="c")).status_code == 401


def test_a_header_token_endpoint(api, client):
    data = create_endpoint(api, auth="header_token", header_name="X-Hook-Key").json()["data"]
    body = json.dumps(CALL).encode()
    url = path_of(data["url"])

    assert post(client, url, body, HTTP_X_HOOK_KEY="wrong").status_code == 401
    assert post(client, url, body, HTTP_X_HOOK_KEY=data["credential"]).status_code == 200


def test_a_payload_the_map_cannot_read_is_400_before_it_is_acknowledged(api, client):
    data = create_endpoint(api).json()["data"]
    body = json.dumps({**CALL, "contact": {}}).encode()  # no caller number where the map says

    response = post(client, path_of(data["url"]), body, **signed(data["signing_secret"], body))

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PAYLOAD")


def test_a_deactivated_endpoint_answers_410(api, client):
    data = create_endpoint(api).json()["data"]
    assert api.delete(f"/v1/webhook-endpoints/{data['id']}").json()["data"]["status"] == "disabled"
    body = json.dumps(CALL).encode()

    response = post(client, path_of(data["url"]), body, **signed(data["signing_secret"], body))

    assert (response.status_code, response.json()["code"]) == (410, "ENDPOINT_DISABLED")


def test_endpoints_are_scoped_to_the_account_and_ctm_ones_are_listed_too(api, endpoint, make_account):
    mine = create_endpoint(api).json()["data"]
    stranger = api_client_for(owner_of(make_account("Other")))

    assert stranger.get(f"/v1/webhook-endpoints/{mine['id']}").status_code == 404
    assert stranger.patch(f"/v1/webhook-endpoints/{mine['id']}", {"name": "x"}, format="json").status_code == 404
    providers = {e["provider"] for e in api.get("/v1/webhook-endpoints").json()["data"]}
    assert providers == {"custom", "calltrackingmetrics"}


def test_a_custom_endpoint_id_under_another_providers_url_is_404(api, client, endpoint):
    body = json.dumps(CALL).encode()
    assert post(client, f"/v1/e/custom/webhook/{endpoint.pk}/", body).status_code == 404  # a CTM endpoint
    assert post(client, f"/v1/e/nobody/webhook/{endpoint.pk}/", body).status_code == 404


def test_the_api_needs_a_signed_in_user(db):
    assert APIClient().get("/v1/webhook-endpoints").status_code == 401


def test_a_ctm_endpoint_is_removed_through_ctms_route_not_deactivated_behind_its_back(api, endpoint):
    response = api.delete(f"/v1/webhook-endpoints/{endpoint.pk}")

    assert response.status_code == 400 and "/v1/e/calltrackingmetrics/<tokenId>/webhook" in response.json()["message"]
    endpoint.refresh_from_db()
    assert endpoint.status == "active"
    renamed = api.patch(f"/v1/webhook-endpoints/{endpoint.pk}", {"name": "Front desk"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "Front desk"


def test_receivers_need_no_csrf_token_as_providers_have_none(api):
    from django.test import Client

    data = create_endpoint(api).json()["data"]
    body = json.dumps(CALL).encode()
    strict = Client(enforce_csrf_checks=True)  # as a real server checks; the default test client does not

    assert post(strict, path_of(data["url"]), body, **signed(data["signing_secret"], body)).status_code == 200


# --- a custom source that posts form leads ------------------------------------------------------------

LEAD_MAP = {
    "submitted_at": "submitted",
    "name": "contact.full_name",
    "email": "contact.email",
    "phone_number": "contact.phone",
    "form_name": "form.title",
    "fields": "answers",
    "message": "comment",
    "utm_source": "tracking.utm_source",
    "landing_page": "tracking.landing_page",
}
FORM = load_fixture("custom", "lead__sample")  # no `id` mapped: its content identifies it


def test_a_lead_endpoint_is_created_and_says_it_receives_leads(api):
    response = create_endpoint(api, field_map=LEAD_MAP)

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["field_map"], data["events"]) == (LEAD_MAP, ["lead"])
    assert create_endpoint(api).json()["data"]["events"] == ["call"]
    custom = next(p for p in api.get("/v1/providers").json()["data"] if p["slug"] == "custom")
    assert custom["events"] == ["call", "lead"]


@pytest.mark.parametrize(
    ("field_map", "message"),
    [
        ({**LEAD_MAP, "caller_number": "contact.phone"}, "A field map describes a call or a form lead, not both"),
        ({"id": "submission_id", "source": "channel"}, "Say what the source posts: a call maps started_at and"),
        ({"submitted_at": "submitted", "name": "contact.full_name"}, "A form lead needs email or phone_number"),
        ({}, "a form lead maps submitted_at and email or phone_number"),
    ],
    ids=["both", "neither", "no-contact", "empty"],
)
def test_a_map_that_is_neither_clearly_a_call_nor_a_lead_is_400_with_what_to_map(api, field_map, message):
    response = create_endpoint(api, field_map=field_map)

    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")
    assert response.json()["message"].startswith("field_map: ") and message in response.json()["message"]
    assert message in " ".join(response.json()["errors"]["field_map"])
    assert not WebhookEndpoint.objects.exists()


def test_a_signed_form_submission_becomes_a_lead_listed_at_v1_leads(api, client, campaign, account):
    data = create_endpoint(api, field_map=LEAD_MAP, campaign_id=str(campaign.pk)).json()["data"]
    body = json.dumps(FORM).encode()

    response = post(client, path_of(data["url"]), body, **signed(data["signing_secret"], body))

    assert response.status_code == 200, response.json()
    assert WebhookDelivery.objects.get().event == "lead"
    assert set(webhook_deliveries_process().values()) == {"processed"}
    assert not Call.objects.exists()
    [lead] = api.get("/v1/leads").json()["data"]
    assert lead["provider"] == "custom" and lead["provider_lead_id"].startswith("h:")
    assert lead["campaign_id"] == str(campaign.pk) and lead["submitted_at"] == "2026-11-20T15:10:42Z"
    assert (lead["name"], lead["email"], lead["phone_number"]) == (
        "Grace Hopper",
        "grace.hopper@example.com",
        "+15551234567",
    )
    assert lead["form_name"] == "Book an appointment"
    assert lead["fields"] == {**FORM["answers"], "message": "Mornings work best for me."}
    assert lead["attribution"] == {"utm_source": "google", "landing_page": "https://acme-dental.example/book"}
    assert api.get("/v1/leads?provider=custom").json()["data"] == [lead]


def test_the_same_submission_posted_again_is_one_lead(api, client):
    data = create_endpoint(api, field_map=LEAD_MAP).json()["data"]
    body = json.dumps(FORM).encode()
    url = path_of(data["url"])
    for message_id in ("msg_1", "msg_1", "msg_2"):  # a retry, then the app sending it again as a new message
        assert post(client, url, body, **signed(data["signing_secret"], body, message_id=message_id)).status_code == 200
    another = json.dumps({**FORM, "submitted": "2026-11-20T16:00:00Z"}).encode()
    assert post(client, url, another, **signed(data["signing_secret"], another, message_id="msg_3")).status_code == 200

    outcome = webhook_deliveries_process()

    assert sorted(outcome.values()) == ["duplicate", "processed", "processed", "processed"]
    assert Lead.objects.count() == 2
    assert len(api.get("/v1/leads").json()["data"]) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contact": {"full_name": "Grace Hopper"}}, "no email address or phone number"),
        ({"submitted": "soon"}, "The submission time must be ISO 8601 or epoch seconds."),
        ({"answers": "Tuesday, cleaning"}, "must be a JSON object"),
    ],
)
def test_a_submission_the_map_cannot_read_is_stored_and_400_before_it_is_acknowledged(api, client, change, message):
    data = create_endpoint(api, field_map=LEAD_MAP).json()["data"]
    body = json.dumps({**FORM, **change}).encode()

    response = post(client, path_of(data["url"]), body, **signed(data["signing_secret"], body))

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PAYLOAD")
    assert message in response.json()["message"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.valid, delivery.error_code) == (False, "INVALID_PAYLOAD")
    assert not Lead.objects.exists()


def test_changing_a_map_from_calls_to_leads_changes_what_the_endpoint_receives(api, client):
    data = create_endpoint(api).json()["data"]
    changed = api.patch(f"/v1/webhook-endpoints/{data['id']}", {"field_map": LEAD_MAP}, format="json")
    body = json.dumps(FORM).encode()

    assert changed.status_code == 200 and changed.json()["data"]["events"] == ["lead"]
    assert post(client, path_of(data["url"]), body, **signed(data["signing_secret"], body)).status_code == 200
    webhook_deliveries_process()
    assert Lead.objects.count() == 1 and not Call.objects.exists()
