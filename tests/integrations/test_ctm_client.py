"""CtmClient at the HTTP boundary: answers, typed errors, retries and Retry-After."""

import socket

import pytest
import requests
import responses

from integrations.providers.ctm.client import CtmClient, CtmCredentials, parse_authentication
from integrations.providers.ctm.errors import (
    CtmBadRequest,
    CtmConnectionError,
    CtmInvalidCredentials,
    CtmNotFound,
    CtmRateLimited,
    CtmServerError,
    CtmUnauthorized,
)
from tests.conftest import ctm_url, load_fixture

CREDS = CtmCredentials(access_key="AK", secret="SK")


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(waits) -> CtmClient:
    return CtmClient(credentials=CREDS, max_retries=2, backoff=0.1, max_retry_after=30, sleep=waits.append)


def test_parse_authentication_understands_every_shape_seen_in_the_wild():
    keys = parse_authentication(load_fixture("ctm", "authentication__access_keys"))
    assert (keys.credentials.scheme, keys.credentials.secret) == ("basic", "SK-deadbeef-0987654321-topsecret")
    session = parse_authentication(load_fixture("ctm", "authentication__session_token"))
    assert (session.credentials.scheme, session.default_account_id) == ("session_token", "25001")
    assert session.expires_at.isoformat() == "2026-12-22T10:00:00+00:00"
    assert parse_authentication({"success": True, "token": "t", "expires": 1798000000}).expires_at.year == 2026
    for refused in ("authentication__refused_success_false", "authentication__refused_status_error"):
        with pytest.raises(CtmInvalidCredentials):
            parse_authentication(load_fixture("ctm", refused))
    with pytest.raises(CtmInvalidCredentials):
        parse_authentication({})
    with pytest.raises(CtmServerError):
        parse_authentication(["not", "an", "object"])


@responses.activate
def test_retry_after_is_honoured_then_the_answer_returned(client, waits):
    url = ctm_url("/accounts/1.json")
    responses.add(responses.GET, url, status=429, headers={"Retry-After": "7"})
    responses.add(responses.GET, url, json={"id": 1})

    assert client.get_account(account_id="1") == {"id": 1}
    assert waits == [7.0]


@responses.activate
def test_a_retry_after_too_long_to_wait_for_fails_at_once_with_the_advice(client, waits):
    responses.add(responses.GET, ctm_url("/accounts/1.json"), status=429, headers={"Retry-After": "3600"})

    with pytest.raises(CtmRateLimited) as caught:
        client.get_account(account_id="1")
    assert caught.value.retry_after == 3600
    assert waits == [] and len(responses.calls) == 1


@responses.activate
def test_server_errors_back_off_and_give_up_after_the_bound(client, waits):
    responses.add(responses.GET, ctm_url("/accounts/1.json"), status=500)

    with pytest.raises(CtmServerError):
        client.get_account(account_id="1")
    assert len(responses.calls) == 3
    assert len(waits) == 2 and 0.05 <= waits[0] <= 0.15 and 0.1 <= waits[1] <= 0.3  # exponential with jitter


@responses.activate
def test_connection_errors_are_retried_then_typed(client):
    responses.add(responses.GET, ctm_url("/accounts/1.json"), body=requests.ConnectionError("refused"))
    with pytest.raises(CtmConnectionError):
        client.get_account(account_id="1")
    assert len(responses.calls) == 3


def test_a_ctm_that_cannot_be_reached_is_named_by_the_base_url_tried():
    """A real refused connection (nothing listens on the port): the error says where we looked."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there
    client = CtmClient(
        credentials=CREDS, base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=0, sleep=lambda _: None
    )
    with pytest.raises(CtmConnectionError, match=rf"at http://127\.0\.0\.1:{port}/api/v1 \(GET /accounts/1\.json\)"):
        client.get_account(account_id="1")


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"message": "bad"}, CtmUnauthorized),
        (403, {}, CtmUnauthorized),
        (404, {"status": "error"}, CtmNotFound),
        (400, {"error": "per_page limit is 150"}, CtmBadRequest),
        (200, {"status": "error", "reason": "nope"}, CtmBadRequest),
    ],
)
def test_http_answers_become_typed_errors_without_retrying(client, status, body, error):
    responses.add(responses.GET, ctm_url("/accounts/1.json"), status=status, json=body)
    with pytest.raises(error):
        client.get_account(account_id="1")
    assert len(responses.calls) == 1


@responses.activate
def test_a_non_json_answer_is_a_server_error(client):
    responses.add(responses.GET, ctm_url("/accounts/1.json"), body="<html>maintenance</html>", status=200)
    with pytest.raises(CtmServerError, match="not JSON"):
        CtmClient(credentials=CREDS, max_retries=0).get_account(account_id="1")


@responses.activate
def test_per_page_is_never_sent_above_ctms_cap(client):
    responses.add(responses.GET, ctm_url("/accounts.json"), json={"accounts": []})
    client.list_accounts(per_page=500)
    assert "per_page=150" in responses.calls[0].request.url
