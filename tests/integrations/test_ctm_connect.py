"""POST/GET /v1/e/calltrackingmetrics/auth: exchanging a CTM login for stored, encrypted credentials."""

import base64
from urllib.parse import parse_qs

import pytest
import requests
import responses

from integrations.models import Key
from notifications.models import Notification
from tests.conftest import CTM_LOGIN, api_client_for, connect_ctm, ctm_url, load_fixture, owner_of

pytestmark = pytest.mark.django_db

SECRETS = load_fixture("ctm", "authentication__access_keys")


def test_connect_stores_what_ctm_issued_and_answers_only_safe_metadata(api, ctm, account):
    response = connect_ctm(api, ctm)

    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"] == "SUCCESS"
    assert set(body["data"]) >= {"token", "username", "token_invalidated", "created_at"}
    assert body["data"]["token_invalidated"] is False
    for secret in (CTM_LOGIN["password"], SECRETS["access_key"], SECRETS["secret"]):
        assert secret not in response.content.decode()

    sent = parse_qs(ctm.calls[0].request.body)
    assert sent == {"user": [CTM_LOGIN["username"]], "password": [CTM_LOGIN["password"]]}
    assert "Authorization" not in ctm.calls[0].request.headers

    key = Key.objects.get(pk=body["data"]["token"])
    assert key.account == account
    assert (key.username, key.password) == (CTM_LOGIN["username"], CTM_LOGIN["password"])
    assert (key.access_key, key.secret, key.auth_scheme) == (SECRETS["access_key"], SECRETS["secret"], "basic")


def test_stored_key_signs_later_ctm_calls_with_basic_auth(api, ctm):
    token = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))

    api.post("/v1/e/calltrackingmetrics/auth/config", {"token": token, "account_id": "25001"}, format="json")

    expected = base64.b64encode(f"{SECRETS['access_key']}:{SECRETS['secret']}".encode()).decode()
    assert ctm.calls[-1].request.headers["Authorization"] == f"Basic {expected}"


def test_session_token_answer_is_stored_and_sent_as_auth_token(api, ctm):
    response = connect_ctm(api, ctm, fixture="authentication__session_token")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["auth_scheme"] == "session_token"
    assert data["ctm_default_account_id"] == "25001"
    assert data["token_expires_at"].startswith("2026-12-22T10:00:00")

    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    api.post("/v1/e/calltrackingmetrics/auth/config", {"token": data["token"], "account_id": "25001"}, format="json")
    request = ctm.calls[-1].request
    assert "Authorization" not in request.headers
    assert parse_qs(request.url.split("?", 1)[1])["auth_token"] == ["TOK-7f3a9b2c-session-token-value"]


@pytest.mark.parametrize(
    ("status", "fixture"),
    [
        (200, "authentication__refused_success_false"),
        (200, "authentication__refused_status_error"),
        (401, "authentication__refused_success_false"),
        (403, "authentication__refused_status_error"),
    ],
)
def test_wrong_credentials_are_401_invalid_credentials_and_nothing_is_stored(api, ctm, status, fixture):
    ctm.add(responses.POST, ctm_url("/authentication"), json=load_fixture("ctm", fixture), status=status)

    response = api.post("/v1/e/calltrackingmetrics/auth", CTM_LOGIN, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "errno": 401,
        "message": "CTM rejected the username or password.",
        "code": "INVALID_CREDENTIALS",
    }
    assert Key.objects.count() == 0


def test_wrong_credentials_do_not_invalidate_the_keys_already_connected(api, ctm):
    token = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.replace(responses.POST, ctm_url("/authentication"), status=401, json={"message": "nope"})

    assert api.post("/v1/e/calltrackingmetrics/auth", {**CTM_LOGIN, "username": "x"}, format="json").status_code == 401
    assert Key.objects.get(pk=token).token_invalidated is False


def test_reconnecting_the_same_login_refreshes_the_key_and_clears_invalidation(api, ctm):
    token = connect_ctm(api, ctm).json()["data"]["token"]
    Key.objects.filter(pk=token).update(token_invalidated=True)
    ctm.replace(
        responses.POST, ctm_url("/authentication"), json={"access_key": "AK-new-after-reset", "secret": "SK-new"}
    )

    response = api.post(
        "/v1/e/calltrackingmetrics/auth", {**CTM_LOGIN, "username": CTM_LOGIN["username"].upper()}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["token"] == token
    assert response.json()["data"]["token_invalidated"] is False
    key = Key.objects.get(pk=token)
    assert (key.access_key, key.secret, key.token_invalidated) == ("AK-new-after-reset", "SK-new", False)
    assert Key.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"password": "x"}, "username"), ({"username": "u"}, "password"), ({"username": "", "password": "x"}, "username")],
)
def test_missing_fields_are_400_validation_errors_naming_the_field(api, ctm, payload, field):
    response = api.post("/v1/e/calltrackingmetrics/auth", payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["errno"], body["code"]) == (False, 400, "VALIDATION_ERROR")
    assert field in body["errors"] and body["message"].startswith(field)
    assert len(ctm.calls) == 0


def test_malformed_json_is_400(api):
    response = api.generic(
        "POST", "/v1/e/calltrackingmetrics/auth", '{"username": "a",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_REQUEST"


def test_ctm_down_is_502_after_retries_and_never_retries_the_login_post(api, ctm):
    ctm.add(responses.POST, ctm_url("/authentication"), status=503)

    response = api.post("/v1/e/calltrackingmetrics/auth", CTM_LOGIN, format="json")

    assert response.status_code == 502
    assert response.json()["code"] == "CTM_UNAVAILABLE"
    assert len(ctm.calls) == 1  # a POST that may have happened is not repeated


def test_ctm_timeout_is_504(api, ctm):
    ctm.add(responses.POST, ctm_url("/authentication"), body=requests.ReadTimeout("slow"))
    response = api.post("/v1/e/calltrackingmetrics/auth", CTM_LOGIN, format="json")
    assert response.status_code == 504
    assert response.json()["code"] == "CTM_TIMEOUT"


def test_connecting_notifies_owners_of_the_account_and_of_its_parent(make_account, ctm):
    agency = make_account("Agency")
    client_account = make_account("Client", parent=agency)
    connect_ctm(api_client_for(owner_of(client_account), client_account), ctm)

    recipients = set(Notification.objects.filter(event="project_added").values_list("recipient__email", flat=True))
    assert recipients == {owner_of(client_account).email, owner_of(agency).email}


def test_listing_shows_only_this_accounts_credentials(api, ctm, make_account):
    other = make_account("Other")
    mine = connect_ctm(api, ctm).json()["data"]["token"]
    connect_ctm(api_client_for(owner_of(other), other), ctm)

    response = api.get("/v1/e/calltrackingmetrics/auth")

    assert response.status_code == 200
    assert [k["token"] for k in response.json()["data"]] == [mine]


def test_unauthenticated_requests_are_401_envelopes(db):
    from rest_framework.test import APIClient

    response = APIClient().post("/v1/e/calltrackingmetrics/auth", CTM_LOGIN, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert response.json()["errno"] == 401
