"""The receivers under gunicorn (the production server, a process of its own): chunked bodies, and
a global disconnect that reaches a process whose lookups are cached."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import WEBHOOK_LOGIN, WEBHOOK_SECRET, endpoint_url, load_fixture, wait_for
from tests.webhook_helpers import ctm_headers, encode

pytestmark = [pytest.mark.django_db(transaction=True)]

END = load_fixture("ctm", "webhook__end")


def post_chunked(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    target = urlsplit(base_url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    pieces = (body[i : i + 100] for i in range(0, len(body), 100))
    conn.request(
        "POST", path, body=pieces, headers={"Content-Type": "application/json", **headers}, encode_chunked=True
    )
    response = conn.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    conn.close()
    return answer


def signed(body: bytes) -> dict[str, str]:
    meta = ctm_headers(body, secret=WEBHOOK_SECRET, username=WEBHOOK_LOGIN[0], password=WEBHOOK_LOGIN[1])
    return {name.removeprefix("HTTP_").replace("_", "-"): value for name, value in meta.items()}


def post(base_url: str, path: str, body: bytes) -> tuple[int, dict]:
    target = urlsplit(base_url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **signed(body)})
    response = conn.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    conn.close()
    return answer


def test_a_chunked_delivery_is_accepted_and_stored_whole(gunicorn_server, endpoint):
    base_url = gunicorn_server()
    body = encode(END)
    headers = signed(body)

    status, answer = post_chunked(base_url, endpoint_url(endpoint), body, headers)

    assert status == 200, answer
    assert bytes(WebhookDelivery.objects.get(pk=answer["data"]["delivery_id"]).body) == body


def test_a_chunked_body_is_still_capped(gunicorn_server, endpoint):
    base_url = gunicorn_server(WEBHOOK_MAX_BODY_BYTES="2048")
    body = encode({**END, "padding": "x" * 5000})

    status, answer = post_chunked(base_url, endpoint_url(endpoint), body, {})

    assert (status, answer["code"]) == (413, "BODY_TOO_LARGE")
    assert not WebhookDelivery.objects.exists()


def test_a_global_disconnect_closes_the_endpoint_in_a_server_process_that_had_it_cached(gunicorn_server, endpoint, api):
    base_url = gunicorn_server()  # its lookups are cached for 10 minutes (WEBHOOK_LOOKUP_CACHE_SECONDS)
    assert post(base_url, endpoint_url(endpoint), encode({**END, "id": 1}))[0] == 200

    assert api.delete("/v1/e/calltrackingmetrics/auth?global=true").status_code == 200

    # this process bumped the shared generation; the server reads it within a second, not 30
    closed = wait_for(lambda: post(base_url, endpoint_url(endpoint), encode({**END, "id": 2}))[0] == 410, timeout=5)
    assert closed


def test_deleting_the_account_closes_its_endpoint_in_a_server_process_that_had_it_cached(gunicorn_server, endpoint):
    base_url = gunicorn_server()
    assert post(base_url, endpoint_url(endpoint), encode({**END, "id": 1}))[0] == 200

    endpoint.account.delete()  # the endpoint, key and campaign go by cascade, never through their delete()

    gone = wait_for(lambda: post(base_url, endpoint_url(endpoint), encode({**END, "id": 2}))[0] == 404, timeout=5)
    assert gone


def test_without_the_shared_generation_a_cached_endpoint_is_trusted_only_for_the_blind_limit(gunicorn_server, endpoint):
    """Redis unreachable: no process can learn of a change, so what it cached lives for the short
    limit only, not the long one the generation allows."""
    base_url = gunicorn_server(
        REDIS_URL="redis://127.0.0.1:1/0", WEBHOOK_LOOKUP_CACHE_BLIND_SECONDS="2", WEBHOOK_REDIS_BREAKER_SECONDS="1"
    )
    assert post(base_url, endpoint_url(endpoint), encode({**END, "id": 1}))[0] == 200
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status=WebhookEndpoint.Status.DISABLED)  # no bump

    assert post(base_url, endpoint_url(endpoint), encode({**END, "id": 2}))[0] == 200  # still cached
    closed = wait_for(lambda: post(base_url, endpoint_url(endpoint), encode({**END, "id": 3}))[0] == 410, timeout=6)
    assert closed
