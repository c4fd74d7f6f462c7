"""Trackers: a CTM tracking source with its tracking numbers, over HTTP against the sandbox."""

import pytest
import responses

from tests.conftest import connect_ctm, ctm_url

pytestmark = pytest.mark.django_db

BASE = "/v1/e/calltrackingmetrics"


def url(token: str, suffix: str = "") -> str:
    return f"{BASE}/{token}/accounts/25001/trackers{suffix}"


def test_list_shows_sources_with_their_numbers(api, sandbox_token):
    response = api.get(url(sandbox_token, "?limit=3"))

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 3, "total": 5, "total_pages": 2}
    google = body["data"][0]
    assert google["name"] == "Google Ads" and len(google["numbers"]) == 2
    assert google["numbers"][0]["number"].startswith("+1")


def test_create_with_a_bought_number_then_read_update_delete(api, sandbox_token, ctm_sandbox):
    created = api.post(
        url(sandbox_token),
        {"name": "Billboard I-40", "landing_url": "/billboard", "buy_number": {"area_code": "919"}},
        format="json",
    )

    assert created.status_code == 201, created.json()
    tracker = created.json()["data"]
    assert tracker["name"] == "Billboard I-40" and tracker["landing_url"] == "/billboard"
    assert len(tracker["numbers"]) == 1 and tracker["numbers"][0]["number"].startswith("+1919")

    assert api.get(url(sandbox_token, f"/{tracker['id']}")).json()["data"] == tracker

    existing_number = api.get(url(sandbox_token)).json()["data"][4]["numbers"][0]["id"]  # Direct's number
    updated = api.put(
        url(sandbox_token, f"/{tracker['id']}"),
        {"name": "Billboard I-40 East", "number_ids": [existing_number]},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["data"]["name"] == "Billboard I-40 East"
    assert len(updated.json()["data"]["numbers"]) == 2

    deleted = api.delete(url(sandbox_token, f"/{tracker['id']}?release_numbers=true"))
    assert deleted.json()["data"] == {"id": tracker["id"], "deleted": True, "numbers_released": 2}
    assert api.get(url(sandbox_token, f"/{tracker['id']}")).status_code == 404
    assert ("DELETE", f"/accounts/25001/numbers/{tracker['numbers'][0]['id']}.json") in ctm_sandbox.requests_seen


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"name"}),
        ({"name": "x" * 101}, {"name"}),
        ({"name": "ok", "buy_number": {}}, {"buy_number"}),
        ({"name": "ok", "buy_number": {"area_code": "91"}}, {"buy_number"}),
        ({"name": "ok", "number_ids": ["../../x"]}, {"number_ids"}),
        ({"name": "ok", "online": "perhaps"}, {"online"}),
    ],
)
def test_invalid_trackers_are_400s_naming_the_fields(api, sandbox_token, ctm_sandbox, payload, fields):
    seen = len(ctm_sandbox.requests_seen)
    response = api.post(url(sandbox_token), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    assert len(ctm_sandbox.requests_seen) == seen


def test_update_needs_a_name_and_unknown_trackers_are_404(api, sandbox_token):
    assert api.put(url(sandbox_token, "/2500101"), {}, format="json").status_code == 400
    for method in ("get", "delete"):
        response = getattr(api, method)(url(sandbox_token, "/777"))
        assert response.status_code == 404 and response.json()["code"] == "CTM_NOT_FOUND"


def test_a_failed_purchase_leaves_no_half_made_tracker(api, ctm):
    token = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.add(responses.POST, ctm_url("/accounts/25001/sources.json"), json={"status": "success", "source": {"id": 7}})
    ctm.add(responses.GET, ctm_url("/accounts/25001/numbers/search.json"), json={"status": "success", "results": []})
    removed = ctm.add(responses.DELETE, ctm_url("/accounts/25001/sources/7.json"), json={"status": "deleted"})

    response = api.post(url(token), {"name": "No luck", "buy_number": {"area_code": "999"}}, format="json")

    assert response.status_code == 400 and response.json()["code"] == "NO_NUMBER_AVAILABLE"
    assert removed.call_count == 1
