"""POST /auth/config, and the 401 flow: one CTM 401 invalidates every key of the account."""

import pytest
import responses

from integrations.models import Key, UserConfig
from notifications.models import Notification
from tests.conftest import api_client_for, connect_ctm, ctm_url, load_fixture, owner_of

pytestmark = pytest.mark.django_db

CONFIG_URL = "/v1/e/calltrackingmetrics/auth/config"
TOKEN_INVALIDATED = {"success": False, "errno": 401, "message": "TOKEN_INVALIDATED", "code": "TOKEN_INVALIDATED"}


@pytest.fixture
def token(api, ctm) -> str:
    return connect_ctm(api, ctm).json()["data"]["token"]


def test_config_checks_the_ctm_account_exists_and_saves_it(api, ctm, token, account):
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json")

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["token"], data["account_id"], data["subaccount_id"]) == (token, "25001", "")
    assert data["ctm_account"] == {"id": 25001, "name": "Acme Dental"}
    assert UserConfig.objects.alive().get(account=account).calltracking_account_id == "25001"


def test_config_with_a_sub_account_checks_it_belongs_to_the_account(api, ctm, token, account):
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    ctm.add(responses.GET, ctm_url("/accounts/25002.json"), json=load_fixture("ctm", "account__sub_account"))

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001", "subaccount_id": "25002"}, format="json")

    assert response.status_code == 200
    assert UserConfig.objects.alive().get(account=account).calltracking_sub_account_id == "25002"


def test_a_sub_account_of_another_agency_is_refused(api, ctm, token):
    foreign = {**load_fixture("ctm", "account__sub_account"), "agency_id": 99999}
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    ctm.add(responses.GET, ctm_url("/accounts/25002.json"), json=foreign)

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001", "subaccount_id": "25002"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "SUBACCOUNT_MISMATCH"
    assert not UserConfig.objects.exists()


def test_saving_again_replaces_the_single_live_config(api, ctm, token, account):
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    ctm.add(responses.GET, ctm_url("/accounts/25002.json"), json=load_fixture("ctm", "account__sub_account"))
    api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json")
    api.post(CONFIG_URL, {"token": token, "account_id": "25002"}, format="json")

    assert list(
        UserConfig.objects.alive().filter(account=account).values_list("calltracking_account_id", flat=True)
    ) == ["25002"]


def test_an_unknown_ctm_account_is_404(api, ctm, token):
    ctm.add(responses.GET, ctm_url("/accounts/777.json"), status=404, json={"status": "error", "reason": "not found"})

    response = api.post(CONFIG_URL, {"token": token, "account_id": "777"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "CTM_NOT_FOUND"


def test_another_accounts_token_is_404_and_ctm_is_not_called(ctm, token, make_account):
    intruder = make_account("Intruder")
    calls_before = len(ctm.calls)

    response = api_client_for(owner_of(intruder), intruder).post(
        CONFIG_URL, {"token": token, "account_id": "25001"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "TOKEN_NOT_FOUND"
    assert len(ctm.calls) == calls_before


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_tokens_are_404(api, bad):
    response = api.post(CONFIG_URL, {"token": bad, "account_id": "25001"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"account_id": "25001"}, "token"),
        ({"token": "t"}, "account_id"),
        ({"token": "t", "account_id": "a b"}, "account_id"),
    ],
)
def test_config_validation_errors_name_the_field(api, payload, field):
    response = api.post(CONFIG_URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_ctm_401_invalidates_every_key_of_the_account_and_only_that_account(api, ctm, account, make_account):
    first = connect_ctm(api, ctm).json()["data"]["token"]
    second = connect_ctm(api, ctm, username="second-login@acme.example").json()["data"]["token"]
    other = make_account("Bystander")
    bystander = connect_ctm(api_client_for(owner_of(other), other), ctm).json()["data"]["token"]
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), status=401, json={"message": "unauthorized"})

    response = api.post(CONFIG_URL, {"token": first, "account_id": "25001"}, format="json")

    assert response.status_code == 401
    assert response.json() == TOKEN_INVALIDATED
    assert set(Key.objects.filter(token_invalidated=True).values_list("pk", flat=True)) == {
        Key.objects.get(pk=first).pk,
        Key.objects.get(pk=second).pk,
    }
    assert Key.objects.get(pk=bystander).token_invalidated is False
    assert Notification.objects.filter(event="token_invalidated", account=account).count() == 1


def test_an_invalidated_key_is_refused_without_calling_ctm_until_reconnected(api, ctm, token):
    Key.objects.filter(pk=token).update(token_invalidated=True)
    calls_before = len(ctm.calls)

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json")

    assert response.status_code == 401 and response.json() == TOKEN_INVALIDATED
    assert len(ctm.calls) == calls_before

    connect_ctm(api, ctm)  # the user reconnects the same login
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    assert api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json").status_code == 200


def test_ctm_rate_limit_is_retried_then_answered_503_with_retry_after(api, ctm, token, settings):
    settings.CTM_MAX_RETRY_AFTER = 1
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), status=429, headers={"Retry-After": "0"})

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "CTM_RATE_LIMITED"
    assert response.headers["Retry-After"] == "1"
    assert len([c for c in ctm.calls if "accounts/25001" in c.request.url]) == 3  # first try + 2 retries


def test_a_transient_ctm_error_is_retried_transparently(api, ctm, token):
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), status=502)
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))

    response = api.post(CONFIG_URL, {"token": token, "account_id": "25001"}, format="json")

    assert response.status_code == 200
