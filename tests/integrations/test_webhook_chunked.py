"""Deliveries sent with Transfer-Encoding: chunked, through gunicorn (the production server)."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from integrations.models import WebhookDelivery
from tests.conftest import endpoint_url, load_fixture
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


def as_http_headers(meta: dict[str, str]) -> dict[str, str]:
    return {name.removeprefix("HTTP_").replace("_", "-"): value for name, value in meta.items()}


def test_a_chunked_delivery_is_accepted_and_stored_whole(gunicorn_server, endpoint):
    base_url = gunicorn_server()
    body = encode(END)
    headers = as_http_headers(
        ctm_headers(
            body, secret="SK-deadbeef-0987654321-topsecret", username="ctm-hook-user", password="ctm-hook-password"
        )
    )

    status, answer = post_chunked(base_url, endpoint_url(endpoint), body, headers)

    assert status == 200, answer
    assert bytes(WebhookDelivery.objects.get(pk=answer["data"]["delivery_id"]).body) == body


def test_a_chunked_body_is_still_capped(gunicorn_server, endpoint):
    base_url = gunicorn_server(WEBHOOK_MAX_BODY_BYTES="2048")
    body = encode({**END, "padding": "x" * 5000})

    status, answer = post_chunked(base_url, endpoint_url(endpoint), body, {})

    assert (status, answer["code"]) == (413, "BODY_TOO_LARGE")
    assert not WebhookDelivery.objects.exists()
