"""The credentials flow over real HTTP against the project's CTM sandbox."""

import pytest
import requests

from integrations.models import Key, UserConfig
from integrations.providers.ctm.sandbox.data import DEMO_LOGIN, DEMO_PASSWORD

pytestmark = pytest.mark.django_db

DEMO = {"username": DEMO_LOGIN, "password": DEMO_PASSWORD}


def test_connect_and_configure_a_sub_account_over_http(api, ctm_sandbox, account):
    connected = api.post("/v1/e/calltrackingmetrics/auth", DEMO, format="json")
    assert connected.status_code == 201, connected.json()
    token = connected.json()["data"]["token"]
    assert connected.json()["data"]["ctm_default_account_id"] == "25001"

    configured = api.post(
        "/v1/e/calltrackingmetrics/auth/config",
        {"token": token, "account_id": "25001", "subaccount_id": "25002"},
        format="json",
    )

    assert configured.status_code == 200, configured.json()
    assert configured.json()["data"]["ctm_account"]["name"] == "Sandbox Agency"
    assert UserConfig.objects.alive().get(account=account).calltracking_sub_account_id == "25002"
    assert ("GET", "/accounts/25002.json") in ctm_sandbox.requests_seen


def test_wrong_password_at_the_sandbox_is_invalid_credentials(api, ctm_sandbox):
    response = api.post("/v1/e/calltrackingmetrics/auth", {**DEMO, "password": "nope"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "INVALID_CREDENTIALS"


def test_an_account_the_login_cannot_see_is_404(api, ctm_sandbox):
    token = api.post("/v1/e/calltrackingmetrics/auth", DEMO, format="json").json()["data"]["token"]
    response = api.post("/v1/e/calltrackingmetrics/auth/config", {"token": token, "account_id": "1"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "CTM_NOT_FOUND"


def test_a_401_from_the_sandbox_invalidates_the_accounts_keys(api, ctm_sandbox):
    token = api.post("/v1/e/calltrackingmetrics/auth", DEMO, format="json").json()["data"]["token"]
    ctm_sandbox.misbehave(status=401, path=r"^/accounts/")

    response = api.post("/v1/e/calltrackingmetrics/auth/config", {"token": token, "account_id": "25001"}, format="json")

    assert response.status_code == 401 and response.json()["code"] == "TOKEN_INVALIDATED"
    assert Key.objects.get(pk=token).token_invalidated is True


def test_sandbox_pages_like_ctm_and_refuses_per_page_above_150(ctm_sandbox):
    world = ctm_sandbox.world.logins[DEMO_LOGIN]
    auth = (world.access_key, world.secret)
    base = ctm_sandbox.base_url

    page = requests.get(f"{base}/accounts.json", params={"per_page": 2}, auth=auth, timeout=5).json()
    assert page["per_page"] == 2 and page["total_entries"] == len(world.account_ids)
    assert page["next_page"].startswith(f"{base}/accounts.json?") and "page=2" in page["next_page"]

    too_many = requests.get(f"{base}/accounts.json", params={"per_page": 151}, auth=auth, timeout=5)
    assert too_many.status_code == 400 and too_many.json() == {"error": "per_page limit is 150"}
    assert requests.get(f"{base}/accounts.json", auth=("x", "y"), timeout=5).status_code == 401


def test_sandbox_manages_webhooks_like_ctm(ctm_sandbox):
    login = ctm_sandbox.world.logins[DEMO_LOGIN]
    auth, base = (login.access_key, login.secret), f"{ctm_sandbox.base_url}/accounts/25001/webhooks"
    hook = {"weburl": "https://example.test/hook", "position": "end", "name": "ours", "username": "u", "password": "p"}

    created = requests.post(f"{base}.json", json=hook, auth=auth, timeout=5).json()
    assert created["status"] == "success" and created["webhook"]["weburl"] == hook["weburl"]
    assert "password" not in created["webhook"]
    listed = requests.get(f"{base}.json", auth=auth, timeout=5).json()
    assert [w["id"] for w in listed["webhooks"]] == [created["webhook"]["id"]]
    gone = requests.delete(f"{base}/{created['webhook']['id']}.json", auth=auth, timeout=5)
    assert gone.json() == {"status": "deleted"}
    assert requests.get(f"{base}/{created['webhook']['id']}.json", auth=auth, timeout=5).status_code == 404
    bad = requests.post(f"{base}.json", json={"weburl": "ftp://x"}, auth=auth, timeout=5)
    assert bad.status_code == 422
