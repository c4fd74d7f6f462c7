"""GET /v1/calls and GET /v1/calls/<id>: calls from every provider, in one shape, scoped to the account."""

import pytest

from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import api_client_for, deliver, endpoint_url, load_fixture, owner_of
from tests.integrations.test_marketingedge_webhooks import PROCESSED, START
from tests.integrations.test_marketingedge_webhooks import deliver as deliver_marketingedge

pytestmark = pytest.mark.django_db

END = load_fixture("ctm", "webhook__end")  # CTM call 9001234, unix_time 1795300000 (answered)


@pytest.fixture
def two_providers(api, client, endpoint, campaign):
    """A CTM call (through its endpoint) and a Marketing Edge call (start + processed), processed."""
    assert deliver(client, endpoint_url(endpoint), END).status_code == 200
    created = api.post("/v1/webhook-endpoints", {"provider": "marketingedge"}, format="json").json()["data"]
    me = (created["id"], created["signing_secret"])
    for payload in (START, PROCESSED):
        assert deliver_marketingedge(client, me, payload, public_key="").status_code == 200
    assert set(webhook_deliveries_process().values()) == {"processed"}


def test_calls_of_every_provider_are_listed_in_one_shape_newest_first(api, two_providers, campaign):
    response = api.get("/v1/calls")

    assert response.status_code == 200
    calls = response.json()["data"]
    assert [c["provider"] for c in calls] == ["calltrackingmetrics", "marketingedge"]  # 2026, then 2019
    ctm = calls[0]
    assert ctm["provider_call_id"] == "9001234" and ctm["campaign_id"] == str(campaign.pk)
    assert ctm["started_at"] == "2026-11-21T22:26:40Z"  # date -u -d @1795300000
    assert (ctm["status"], ctm["direction"], ctm["duration"], ctm["talk_time"]) == ("answered", "inbound", 187, 164)
    assert (ctm["caller_number"], ctm["tracking_number"]) == ("+15551234567", "+15559876543")
    assert calls[1]["tracking_number"] == "+18669592359"
    assert response.json()["pagination"]["total"] == 2


@pytest.mark.parametrize(
    ("query", "providers"),
    [
        ({"provider": "marketingedge"}, ["marketingedge"]),
        ({"status": "answered"}, ["calltrackingmetrics", "marketingedge"]),
        ({"status": "missed"}, []),
        ({"start_date": "2026-11-21", "end_date": "2026-11-21"}, ["calltrackingmetrics"]),
        ({"end_date": "2020-01-01"}, ["marketingedge"]),
    ],
)
def test_calls_can_be_filtered(api, two_providers, query, providers):
    response = api.get("/v1/calls", query)
    assert [c["provider"] for c in response.json()["data"]] == providers


def test_calls_can_be_filtered_by_campaign(api, two_providers, campaign):
    calls = api.get("/v1/calls", {"campaign_id": str(campaign.pk)}).json()["data"]
    assert [c["provider_call_id"] for c in calls] == ["9001234"]


@pytest.mark.parametrize(
    "query",
    [{"provider": "nobody"}, {"limit": 0}, {"status": "great"}, {"start_date": "2026-02-02", "end_date": "2026-02-01"}],
)
def test_a_bad_query_is_400(api, query):
    response = api.get("/v1/calls", query)
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"


def test_one_call_has_its_details_and_the_timeline_of_its_deliveries(api, two_providers):
    me_call = next(c for c in api.get("/v1/calls").json()["data"] if c["provider"] == "marketingedge")

    detail = api.get(f"/v1/calls/{me_call['id']}").json()["data"]

    assert detail["transcript"] and detail["recording_url"].startswith("http")
    assert [step["event"] for step in detail["timeline"]] == ["CallDetails.CallStartCall", "CallDetails.CallProcessed"]
    assert {step["status"] for step in detail["timeline"]} == {"processed"}


def test_another_accounts_calls_are_not_there(api, two_providers, make_account):
    stranger = api_client_for(owner_of(make_account("Other")))
    some_call = api.get("/v1/calls").json()["data"][0]

    assert stranger.get("/v1/calls").json()["data"] == []
    assert stranger.get(f"/v1/calls/{some_call['id']}").status_code == 404
