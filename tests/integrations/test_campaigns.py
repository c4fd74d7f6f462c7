"""/v1/campaigns: CRUD scoped to the caller's account."""

import pytest

from integrations.models import Campaign
from tests.conftest import api_client_for, connect_ctm, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(api, ctm) -> str:
    return connect_ctm(api, ctm).json()["data"]["token"]


def create(api, **fields):
    return api.post("/v1/campaigns", {"name": "Fall Promotion", **fields}, format="json")


def test_create_normalizes_tracking_numbers_and_links_the_credentials(api, token, account):
    response = create(
        api, token=token, ctm_account_id="25001", tracking_numbers=["(555) 987-6543", "+1 555 987 6543", "15551230000"]
    )

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["tracking_numbers"] == ["+15551230000", "+15559876543"]
    assert (data["token"], data["status"], data["integration"]) == (token, "active", "calltrackingmetrics")
    assert Campaign.objects.get(pk=data["id"]).account == account


def test_invalid_fields_are_named(api, make_account, ctm):
    other = make_account("Other")
    foreign_token = connect_ctm(api_client_for(owner_of(other), other), ctm).json()["data"]["token"]

    response = create(api, token=foreign_token, tracking_numbers=["12"], status="sleeping", name="")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"token", "tracking_numbers", "status", "name"}


def test_list_is_paginated_filtered_and_scoped(api, token, make_account):
    for i in range(3):
        create(api, name=f"Mine {i}", status="paused" if i == 2 else "active")
    other = make_account("Other")
    create(api_client_for(owner_of(other), other), name="Theirs")

    page = api.get("/v1/campaigns?limit=2").json()
    assert page["pagination"] == {"page": 1, "limit": 2, "total": 3, "total_pages": 2}
    assert len(page["data"]) == 2
    assert [c["name"] for c in api.get("/v1/campaigns?status=paused").json()["data"]] == ["Mine 2"]


def test_retrieve_update_and_delete(api, token):
    campaign_id = create(api, token=token).json()["data"]["id"]
    url = f"/v1/campaigns/{campaign_id}"

    assert api.get(url).json()["data"]["name"] == "Fall Promotion"
    response = api.patch(url, {"status": "paused", "tracking_numbers": ["+15550001111"]}, format="json")
    assert response.status_code == 200
    assert (response.json()["data"]["status"], response.json()["data"]["tracking_numbers"]) == (
        "paused",
        ["+15550001111"],
    )
    assert response.json()["data"]["name"] == "Fall Promotion"

    assert api.delete(url).status_code == 200
    assert api.get(url).status_code == 404


def test_another_accounts_campaign_is_404_for_every_method(api, make_account):
    other = make_account("Other")
    theirs = create(api_client_for(owner_of(other), other)).json()["data"]["id"]
    url = f"/v1/campaigns/{theirs}"

    for response in (api.get(url), api.patch(url, {"name": "x"}, format="json"), api.delete(url)):
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    assert Campaign.objects.get(pk=theirs).name == "Fall Promotion"


def test_put_is_405_in_the_envelope(api):
    campaign_id = create(api).json()["data"]["id"]
    response = api.put(f"/v1/campaigns/{campaign_id}", {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": 0}, "name"),  # a number is not a name (DRF would store "0")
        ({"tracking_numbers": [5559876543]}, "tracking_numbers"),
        ({"ctm_account_id": " 25001"}, "ctm_account_id"),  # the contract's pattern, exactly as sent
    ],
)
def test_invalid_values_are_refused_and_nothing_is_stored(api, fields, field):
    response = create(api, **fields)

    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["errors"]
    assert not Campaign.objects.exists()


def test_a_campaign_claims_the_calls_of_any_provider_of_the_registry(api):
    created = create(api, name="CallRail spring", integration="callrail")
    assert created.status_code == 201 and created.json()["data"]["integration"] == "callrail"
    create(api, name="CTM spring")

    listed = api.get("/v1/campaigns?integration=callrail").json()["data"]
    assert [c["name"] for c in listed] == ["CallRail spring"]
    refused = create(api, name="Nobody's", integration="nobody")
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"integration"}
    assert api.get("/v1/campaigns?integration=nobody").status_code == 400
