"""Registering, listing and deleting CTM webhooks for a campaign, over HTTP against the sandbox."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.models import Campaign, Key, WebhookEndpoint
from tests.conftest import ctm_url

pytestmark = pytest.mark.django_db

BASE = "/v1/e/calltrackingmetrics"


@pytest.fixture
def sandbox_campaign(account, sandbox_token) -> Campaign:
    return Campaign.objects.create(
        account=account,
        name="Fall Promotion",
        key=Key.objects.get(pk=sandbox_token),
        ctm_account_id="25001",
        tracking_numbers=["+15559876543"],
    )


def register(api, token, campaign, **fields):
    body = {"campaign_id": str(campaign.pk), "calltracking_account_id": "25001", **fields}
    return api.post(f"{BASE}/{token}/webhook", body, format="json")


def test_register_creates_our_endpoint_and_one_ctm_webhook_per_event(
    api, sandbox_token, sandbox_campaign, ctm_sandbox, settings
):
    settings.PUBLIC_BASE_URL = "https://hooks.agency.example"
    response = register(api, sandbox_token, sandbox_campaign, events=["call.received", "call.completed"])

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    endpoint = WebhookEndpoint.objects.get(pk=data["webhook_id"])
    assert data["url"] == f"https://hooks.agency.example/v1/e/calltrackingmetrics/webhook/{endpoint.pk}/"
    assert (data["events"], data["status"], data["campaign_id"]) == (
        ["call.received", "call.completed"],
        "active",
        str(sandbox_campaign.pk),
    )
    assert data["signature_required"] is True
    hooks = ctm_sandbox.world.webhooks[25001]
    assert len(hooks) == 2 and set(data["ctm_webhook_ids"].values()) == {str(h) for h in hooks}
    by_position = {h["position"]: h for h in hooks.values()}
    assert set(by_position) == {"start", "end"}
    start = by_position["start"]
    assert start["weburl"].startswith(data["url"])
    assert parse_qs(urlsplit(start["weburl"]).query) == {"event": ["call.received"]}
    # CTM will send our endpoint's own Basic-auth login back to us
    assert (start["username"], start["password"]) == (endpoint.basic_username, endpoint.basic_password)
    for secret in (endpoint.basic_password,):
        assert secret not in response.content.decode()


def test_default_event_is_call_completed(api, sandbox_token, sandbox_campaign, ctm_sandbox):
    data = register(api, sandbox_token, sandbox_campaign).json()["data"]
    assert data["events"] == ["call.completed"]
    assert [h["position"] for h in ctm_sandbox.world.webhooks[25001].values()] == ["end"]


def test_list_and_delete_which_removes_it_at_ctm_too(api, sandbox_token, sandbox_campaign, ctm_sandbox):
    webhook_id = register(api, sandbox_token, sandbox_campaign).json()["data"]["webhook_id"]

    listed = api.get(f"{BASE}/{sandbox_token}/webhook").json()["data"]
    assert [w["webhook_id"] for w in listed] == [webhook_id]

    deleted = api.delete(f"{BASE}/{sandbox_token}/webhook/{webhook_id}")
    assert deleted.status_code == 200 and deleted.json()["data"]["status"] == "disabled"
    assert ctm_sandbox.world.webhooks[25001] == {}
    assert api.delete(f"{BASE}/{sandbox_token}/webhook/{webhook_id}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"events": ["call.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"calltracking_account_id": "25 001"}, "calltracking_account_id"),
        ({"campaign_id": "00000000-0000-0000-0000-000000000000"}, "campaign_id"),
    ],
)
def test_invalid_registrations_are_400s(api, sandbox_token, sandbox_campaign, ctm_sandbox, fields, field):
    response = register(api, sandbox_token, sandbox_campaign, **fields)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists() and not ctm_sandbox.world.webhooks.get(25001)


def test_another_accounts_campaign_cannot_be_used(api, sandbox_token, make_account):
    other = make_account("Other")
    theirs = Campaign.objects.create(account=other, name="Theirs")
    response = register(api, sandbox_token, theirs)
    assert response.status_code == 400 and "campaign_id" in response.json()["errors"]


def test_a_ctm_failure_half_way_leaves_nothing_registered(api, ctm, account):
    from tests.conftest import connect_ctm

    token = connect_ctm(api, ctm).json()["data"]["token"]
    campaign = Campaign.objects.create(account=account, name="C", key=Key.objects.get(pk=token))
    hooks = ctm_url("/accounts/25001/webhooks.json")
    ctm.add(responses.POST, hooks, json={"status": "success", "webhook": {"id": 71}})
    ctm.add(responses.POST, hooks, status=422, json={"status": "error", "reason": "plan does not allow webhooks"})
    removed = ctm.add(responses.DELETE, ctm_url("/accounts/25001/webhooks/71.json"), json={"status": "deleted"})

    response = register(api, token, campaign, events=["call.received", "call.completed"])

    assert response.status_code == 400 and response.json()["code"] == "CTM_BAD_REQUEST"
    assert "plan does not allow webhooks" in response.json()["message"]
    assert removed.call_count == 1 and not WebhookEndpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_signed_calls_to_registered_endpoints_end_to_end(
    live_server, api, account, sandbox_token, ctm_sandbox, settings
):
    from integrations.models import Call, WebhookDelivery
    from integrations.webhooks.processing import webhook_deliveries_process

    settings.PUBLIC_BASE_URL = live_server.url
    campaign = Campaign.objects.create(
        account=account, name="Spring", key=Key.objects.get(pk=sandbox_token), ctm_account_id="25001"
    )
    register(api, sandbox_token, campaign, events=["call.received", "call.completed"])

    started = ctm_sandbox.deliver(account_id=25001, position="start")
    call = ctm_sandbox.live_call(account_id=25001, position="end")
    ended = ctm_sandbox.deliver(account_id=25001, position="end", call=call)

    assert [d["status"] for d in started + ended] == [200, 200]
    assert WebhookDelivery.objects.filter(valid=True).count() == 2
    webhook_deliveries_process()
    stored = Call.objects.get(provider_call_id=str(call["id"]))
    assert (stored.status, stored.duration, stored.campaign) == ("answered", call["duration"], campaign)
