"""Accounts and calls fresh from CTM, over HTTP against the sandbox; failure modes intercepted."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses

from integrations.models import Key
from tests.conftest import api_client_for, connect_ctm, ctm_url, owner_of

pytestmark = pytest.mark.django_db

BASE = "/v1/e/calltrackingmetrics"


def test_accounts_are_paged_with_our_page_and_limit(api, sandbox_token, ctm_sandbox):
    first = api.get(f"{BASE}/{sandbox_token}/accounts?page=1&limit=2")

    assert first.status_code == 200
    body = first.json()
    total = len(ctm_sandbox.world.logins["demo@ctm.example"].account_ids)
    assert body["pagination"] == {"page": 1, "limit": 2, "total": total, "total_pages": (total + 1) // 2}
    assert [a["id"] for a in body["data"]] == [25001, 25002]
    assert body["data"][1]["agency_id"] == 25001  # a sub-account
    second = api.get(f"{BASE}/{sandbox_token}/accounts?page=2&limit=2").json()
    assert second["data"][0]["id"] == 25003


@pytest.mark.parametrize("query", ["limit=151", "limit=0", "page=0", "page=x"])
def test_bad_paging_is_a_400_naming_the_field(api, sandbox_token, query):
    response = api.get(f"{BASE}/{sandbox_token}/accounts?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_one_account_and_an_unknown_one(api, sandbox_token):
    assert api.get(f"{BASE}/{sandbox_token}/accounts/25002").json()["data"]["name"] == "Downtown Dental"
    missing = api.get(f"{BASE}/{sandbox_token}/accounts/999")
    assert missing.status_code == 404 and missing.json()["code"] == "CTM_NOT_FOUND"


def test_calls_are_normalized_and_paged(api, sandbox_token):
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?limit=25")

    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 25 and body["pagination"]["total"] > 1000
    call = body["data"][0]
    assert set(call) >= {"id", "started_at", "status", "direction", "tracking_number", "caller_number", "source"}
    assert call["tracking_number"].startswith("+1") and call["status"] in {"answered", "missed", "canceled", "failed"}


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("status=missed", lambda c: c["status"] == "missed"),
        ("status=answered", lambda c: c["status"] == "answered"),
        ("direction=outbound", lambda c: c["direction"] == "outbound"),
        ("source=Facebook", lambda c: c["source"] == "Facebook"),
    ],
)
def test_call_filters_reach_ctm_and_narrow_the_list(api, sandbox_token, query, check):
    everything = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls").json()["pagination"]["total"]
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?{query}&limit=150").json()
    assert 0 < response["pagination"]["total"] < everything
    assert all(check(c) for c in response["data"])


def test_search_by_caller_number_and_date_range(api, sandbox_token):
    some_call = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?limit=1").json()["data"][0]
    day = date.today() - timedelta(days=10)

    by_number = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?search={some_call['caller_number'][2:]}")
    assert some_call["id"] in [c["id"] for c in by_number.json()["data"]]

    # CTM's days are the CTM account's (New York) days
    one_day = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?start_date={day}&end_date={day}&limit=150")
    calls = one_day.json()["data"]
    assert 0 < one_day.json()["pagination"]["total"] == len(calls) < 60
    new_york = ZoneInfo("America/New_York")
    assert {datetime.fromisoformat(c["started_at"]).astimezone(new_york).date() for c in calls} == {day}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=ringing-ish", "status"),
        ("direction=sideways", "direction"),
        ("start_date=2026-05-02&end_date=2026-05-01", "end_date"),
        ("start_date=yesterday", "start_date"),
    ],
)
def test_invalid_call_filters_are_400s(api, sandbox_token, query, field):
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_ctm_401_on_calls_invalidates_and_answers_token_invalidated(api, sandbox_token, ctm_sandbox):
    ctm_sandbox.misbehave(status=401, path="/calls")
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls")
    assert response.status_code == 401 and response.json()["code"] == "TOKEN_INVALIDATED"
    assert Key.objects.get(pk=sandbox_token).token_invalidated


def test_ctm_5xx_is_retried_then_502(api, sandbox_token, ctm_sandbox):
    ctm_sandbox.misbehave(status=500, times=2, path="/calls")
    assert api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls").status_code == 200  # third try succeeds

    ctm_sandbox.misbehave(status=503, times=10, path="/calls")
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls")
    assert response.status_code == 502 and response.json()["code"] == "CTM_UNAVAILABLE"


def test_ctm_429_honours_retry_after_then_503(api, sandbox_token, ctm_sandbox, settings):
    ctm_sandbox.misbehave(status=429, retry_after=0, times=1, path="/calls")
    assert api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls").status_code == 200

    ctm_sandbox.misbehave(status=429, retry_after=120, times=5, path="/calls")
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls")
    assert response.status_code == 503 and response.json()["code"] == "CTM_RATE_LIMITED"
    assert response.headers["Retry-After"] == "120"


def test_a_slow_ctm_is_a_504(api, sandbox_token, ctm_sandbox, settings):
    settings.CTM_READ_TIMEOUT = 0.2
    settings.CTM_MAX_RETRIES = 0
    ctm_sandbox.misbehave(delay=1.0, path="/calls")
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls")
    assert response.status_code == 504 and response.json()["code"] == "CTM_TIMEOUT"


def test_per_page_above_150_never_reaches_ctm(api, ctm):
    token = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.add(responses.GET, ctm_url("/accounts.json"), json={"accounts": [], "total_entries": 0})
    api.get(f"{BASE}/{token}/accounts?limit=150")
    assert "per_page=150" in ctm.calls[-1].request.url


ENDPOINTS = [
    ("get", "accounts"),
    ("get", "accounts/25001"),
    ("get", "accounts/25001/calls"),
    ("get", "accounts/25001/calls/summary"),
    ("get", "accounts/25001/calls/chart"),
    ("get", "accounts/25001/trackers"),
    ("post", "accounts/25001/trackers"),
    ("get", "accounts/25001/trackers/2500101"),
    ("put", "accounts/25001/trackers/2500101"),
    ("delete", "accounts/25001/trackers/2500101"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_another_accounts_token_is_404_everywhere(sandbox_token, make_account, ctm_sandbox, method, path):
    intruder = make_account("Intruder")
    seen_before = len(ctm_sandbox.requests_seen)
    client = api_client_for(owner_of(intruder), intruder)

    response = getattr(client, method)(f"{BASE}/{sandbox_token}/{path}", {"name": "x"}, format="json")

    assert response.status_code == 404 and response.json()["code"] == "TOKEN_NOT_FOUND"
    assert len(ctm_sandbox.requests_seen) == seen_before  # CTM was never asked
