"""The outbound webhooks API: shapes, rules, account scope, write-only credentials, test, deliveries,
rerun and reactivate."""

import pytest

from outbound.models import OutboundDelivery, OutboundWebhook
from outbound.sending import outbound_deliveries_send
from tests.conftest import api_client_for, owner_of
from tests.outbound.conftest import make_call, publish

pytestmark = pytest.mark.django_db

BASE = "/v1/outbound-webhooks"


def body(receiver, **overrides) -> dict:
    return {
        "name": "CRM",
        "description": "",
        "active": True,
        "url": receiver.url() + "?activity_id={{id}}",
        "method": "POST",
        "trigger": "end",
        "keywords": [],
        "body_type": "mustache",
        "body_template": '{"phone": "{{caller_number}}"}',
        "content_type": "application/json",
        "filters": {
            "tracking_source": ["Google Ads"],
            "tracking_number": [],
            "tag": [],
            "min_talk_time": 0,
            "min_total_time": 0,
            "campaign_id": [],
            "provider": [],
        },
        "auth": {"type": "header", "header_name": "X-Api-Key", "header_value": "api-key-value-1"},
        **overrides,
    }


@pytest.fixture
def created(api, receiver, private_targets) -> dict:
    answer = api.post(BASE, body(receiver), format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()["data"]


def test_create_answers_the_webhook_and_its_signing_secret_once_and_never_auth_values(api, created):
    assert created["signing_secret"].startswith("whsec_")
    assert created["status"] == "active" and created["last_failure"] is None
    assert created["auth"] == {"type": "header", "header_name": "X-Api-Key"}
    assert created["filters"]["tracking_source"] == ["Google Ads"]
    shown = api.get(f"{BASE}/{created['id']}").json()["data"]
    listed = api.get(BASE).json()["data"]
    assert "signing_secret" not in shown and [w["id"] for w in listed] == [created["id"]]
    everything = str(shown) + str(listed)
    assert "api-key-value-1" not in everything and created["signing_secret"] not in everything
    assert {k: v for k, v in created.items() if k not in ("signing_secret", "updated_at")} == {
        k: v for k, v in shown.items() if k != "updated_at"
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "GET"}, "method"),  # only pixels may GET
        ({"body_template": "{{#open}}never closed"}, "body_template"),
        ({"body_template": ""}, "body_template"),
        ({"trigger": "keyword", "keywords": []}, "keywords"),
        ({"trigger": "form", "body_type": "resource"}, "body_type"),
        ({"filters": {"min_talk_time": "30"}}, "filters"),
        ({"filters": {"colour": ["red"]}}, "filters"),
        ({"filters": {"direction": "sideways"}}, "filters"),
        ({"auth": {"type": "basic", "username": "u"}}, "auth"),
        ({"auth": {"type": "header", "header_name": "Content-Type", "header_value": "x"}}, "auth"),
        ({"url": "ftp://crm.example/"}, "url"),
        ({"url": "https://user:secret@crm.example/"}, "url"),
        ({"shiny": True}, "shiny"),
    ],
)
def test_a_configuration_that_cannot_work_is_refused_with_the_field_named(
    api, receiver, private_targets, overrides, field
):
    answer = api.post(BASE, body(receiver, **overrides), format="json")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["code"] == "VALIDATION_ERROR" and field in answer.json()["errors"]
    assert not OutboundWebhook.objects.exists()


def test_a_campaign_filter_must_name_a_campaign_of_the_account(api, receiver, private_targets, make_account):
    from integrations.models import Campaign

    theirs = Campaign.objects.create(account=make_account(), name="Theirs")
    answer = api.post(BASE, body(receiver, filters={"campaign_id": [str(theirs.pk)]}), format="json")
    assert answer.status_code == 400 and "filters" in answer.json()["errors"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://{{source}}.example/hook"]
)
def test_a_url_to_a_private_address_or_with_a_templated_host_is_url_not_allowed(api, receiver, url):
    answer = api.post(BASE, body(receiver, url=url), format="json")
    assert (answer.status_code, answer.json()["code"]) == (400, "URL_NOT_ALLOWED")


def test_patch_changes_what_is_given_and_auth_replaces_the_credentials(api, created, receiver, settings):
    url = f"{BASE}/{created['id']}"
    answer = api.patch(url, {"trigger": "answered", "auth": {"type": "none"}}, format="json")
    assert answer.status_code == 200, answer.json()
    data = answer.json()["data"]
    assert (data["trigger"], data["auth"], data["name"]) == ("answered", {"type": "none"}, "CRM")
    webhook = OutboundWebhook.objects.get()
    assert (webhook.auth_header_name, webhook.auth_header_value) == ("", "")
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    refused = api.patch(url, {"url": "http://10.0.0.1/"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "URL_NOT_ALLOWED")


def test_another_accounts_webhook_is_not_found(created, make_account):
    other = make_account()
    stranger = api_client_for(owner_of(other), other)
    for answer in (
        stranger.get(f"{BASE}/{created['id']}"),
        stranger.patch(f"{BASE}/{created['id']}", {"name": "x"}, format="json"),
        stranger.post(f"{BASE}/{created['id']}/test"),
        stranger.get(f"{BASE}/{created['id']}/deliveries"),
        stranger.post(f"{BASE}/{created['id']}/reactivate", {}, format="json"),
        stranger.delete(f"{BASE}/{created['id']}"),
    ):
        assert (answer.status_code, answer.json()["code"]) == (404, "OUTBOUND_WEBHOOK_NOT_FOUND")
    assert stranger.get(BASE).json()["data"] == []


def test_delete_removes_it(api, created):
    assert api.delete(f"{BASE}/{created['id']}").status_code == 200
    assert api.get(f"{BASE}/{created['id']}").status_code == 404


def test_test_answers_the_attempt_with_its_status_code(api, created, account, receiver):
    nothing = api.post(f"{BASE}/{created['id']}/test")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "NOTHING_TO_SEND")
    call = make_call(account)
    receiver.answer(202)

    answer = api.post(f"{BASE}/{created['id']}/test")

    assert answer.status_code == 200, answer.json()
    attempt = answer.json()["data"]
    assert attempt["status_code"] == 202 and attempt["error"] == "" and attempt["delivery_id"]
    assert attempt["url"] == receiver.url() + f"?activity_id={call.pk}"
    (request,) = receiver.requests
    assert request.json == {"phone": call.caller_number} and request.headers["x-api-key"] == "api-key-value-1"


def test_deliveries_are_listed_with_their_attempts_and_filtered_by_status(api, created, account, receiver):
    receiver.answer(500)
    publish(make_call(account, completed=True))
    publish(make_call(account, completed=True))
    outbound_deliveries_send(webhook_id=created["id"])
    url = f"{BASE}/{created['id']}/deliveries"

    everything = api.get(url).json()
    retrying = api.get(url, {"status": "retrying"}).json()["data"]
    delivered = api.get(url, {"status": "delivered"}).json()["data"]

    assert everything["pagination"]["total"] == 2
    assert [d["status"] for d in retrying] == ["retrying"] and [d["status"] for d in delivered] == ["delivered"]
    (attempt,) = retrying[0]["attempts"]
    assert attempt["status_code"] == 500 and attempt["next_attempt_at"] and retrying[0]["attempt_count"] == 1
    assert api.get(url, {"status": "lost"}).status_code == 400


def test_rerun_and_reactivate_through_the_api(api, created, account, receiver):
    receiver.answer(410)
    publish(make_call(account, completed=True))
    outbound_deliveries_send(webhook_id=created["id"])
    delivery = OutboundDelivery.objects.get()
    rerun_url = f"{BASE}/{created['id']}/deliveries/{delivery.pk}/rerun"

    refused = api.post(rerun_url)
    assert (refused.status_code, refused.json()["code"]) == (409, "WEBHOOK_DEACTIVATED")
    assert api.get(f"{BASE}/{created['id']}").json()["data"]["status"] == "deactivated"

    answer = api.post(f"{BASE}/{created['id']}/reactivate", {"rerun_failed": True}, format="json")

    assert answer.status_code == 200 and answer.json()["meta"] == {"rerun": 1}
    assert answer.json()["data"]["status"] == "active" and answer.json()["data"]["last_failure"]["error"]
    outbound_deliveries_send(webhook_id=created["id"])
    assert OutboundDelivery.objects.get().status == "delivered"
    again = api.post(rerun_url)
    assert again.status_code == 200 and again.json()["data"]["status"] == "pending"
    missing = api.post(f"{BASE}/{created['id']}/deliveries/999999/rerun")
    assert (missing.status_code, missing.json()["code"]) == (404, "DELIVERY_NOT_FOUND")
