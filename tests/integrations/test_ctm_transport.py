"""How we talk to CTM on the wire: kept-alive connections shared by every caller, and nothing of one
caller (credentials, cookies) carried over to another's request."""

import base64

import pytest
import responses

from tests.conftest import api_client_for, connect_ctm, ctm_url, owner_of

pytestmark = pytest.mark.django_db

BASE = "/v1/e/calltrackingmetrics"


def test_requests_to_ctm_reuse_one_kept_alive_connection(api, sandbox_token, ctm_sandbox):
    api.get(f"{BASE}/{sandbox_token}/accounts")  # the thread's connection to this CTM is open from here
    opened_before = ctm_sandbox.connections_accepted

    for _ in range(3):
        assert api.get(f"{BASE}/{sandbox_token}/accounts").status_code == 200
    assert api.get(f"{BASE}/{sandbox_token}/accounts/25001/trackers?limit=5").status_code == 200  # 6 CTM calls

    assert ctm_sandbox.connections_accepted == opened_before


def _basic(request) -> str:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode().partition(":")[0]


def test_each_request_carries_its_own_callers_credentials_and_no_cookie(api, ctm, make_account):
    other = make_account("Other Agency")
    other_api = api_client_for(owner_of(other), other)
    mine = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.replace(responses.POST, ctm_url("/authentication"), json={"access_key": "AK-other", "secret": "SK-other"})
    theirs = connect_ctm(other_api, ctm, username="other@agency.example").json()["data"]["token"]
    # CTM (or a proxy in front of it) sets a cookie on one caller's answer...
    ctm.add(
        responses.GET,
        ctm_url("/accounts.json"),
        json={"accounts": [], "total_entries": 0},
        headers={"Set-Cookie": "_ctm_session=for-the-first-caller; Path=/"},
    )

    assert api.get(f"{BASE}/{mine}/accounts").status_code == 200
    assert other_api.get(f"{BASE}/{theirs}/accounts").status_code == 200
    assert api.get(f"{BASE}/{mine}/accounts").status_code == 200

    sent = [call.request for call in ctm.calls if call.request.url.startswith(ctm_url("/accounts.json"))]
    assert [_basic(request) for request in sent] == ["AK-c0ffee-1234567890", "AK-other", "AK-c0ffee-1234567890"]
    # ...which is never sent back, to that caller or to another one.
    assert [request.headers.get("Cookie") for request in sent] == [None, None, None]


def test_a_401_for_one_caller_leaves_another_callers_requests_working(api, ctm, make_account):
    other = make_account("Other Agency")
    other_api = api_client_for(owner_of(other), other)
    mine = connect_ctm(api, ctm).json()["data"]["token"]
    ctm.replace(responses.POST, ctm_url("/authentication"), json={"access_key": "AK-other", "secret": "SK-other"})
    theirs = connect_ctm(other_api, ctm, username="other@agency.example").json()["data"]["token"]

    def answer(request):
        if _basic(request) == "AK-other":
            return 401, {}, '{"status": "error", "reason": "Access denied"}'
        return 200, {"Content-Type": "application/json"}, '{"accounts": [], "total_entries": 0}'

    ctm.add_callback(responses.GET, ctm_url("/accounts.json"), callback=answer)

    assert other_api.get(f"{BASE}/{theirs}/accounts").json()["code"] == "TOKEN_INVALIDATED"
    assert api.get(f"{BASE}/{mine}/accounts").status_code == 200


def _in_a_new_thread(function):
    """Run `function` in a thread of its own (a thread's first CTM request makes its session)."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_the_environments_http_proxy_is_used_for_every_request(ctm_sandbox, monkeypatch):
    """The sandbox plays the proxy: it answers the absolute URL a proxy receives."""
    from integrations.providers.ctm.client import CtmClient, CtmCredentials
    from integrations.providers.ctm.errors import CtmConnectionError

    demo = next(iter(ctm_sandbox.world.logins.values()))
    proxy = ctm_sandbox.base_url.split("/api/")[0]
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    def list_twice():
        client = CtmClient(
            credentials=CtmCredentials(access_key=demo.access_key, secret=demo.secret),
            base_url="http://ctm.invalid/api/v1",  # resolves nowhere: only the proxy can answer
            max_retries=0,
        )
        return [client.list_accounts()["page"], client.list_accounts()["page"]]

    assert _in_a_new_thread(list_twice) == [1, 1]
    assert ctm_sandbox.requests_seen[-2:] == [("GET", "/accounts.json"), ("GET", "/accounts.json")]

    monkeypatch.setenv("NO_PROXY", "ctm.invalid")
    with pytest.raises(CtmConnectionError):
        _in_a_new_thread(list_twice)
