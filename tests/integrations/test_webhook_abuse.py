"""What someone without credentials can make the receivers store, and inputs that must never crash them."""

import hashlib
import json
import os
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import Call, WebhookDelivery
from integrations.webhooks.processing import webhook_deliveries_process, webhook_deliveries_purge
from tests.conftest import deliver, endpoint_url, load_fixture
from tests.webhook_helpers import encode

pytestmark = pytest.mark.django_db

SHARED_URL = "/v1/e/calltrackingmetrics/webhook/call-update"
END = load_fixture("ctm", "webhook__end")
MIB = 1024 * 1024


def random_json_of(size: int) -> bytes:
    """Valid JSON of exactly `size` bytes that compresses like noise (as an attacker would send)."""
    head, tail = b'{"padding": "', b'"}'
    return head + os.urandom(size).hex().encode()[: size - len(head) - len(tail)] + tail


def unknown_endpoint_url() -> str:
    return f"/v1/e/calltrackingmetrics/webhook/{uuid.uuid4()}/"


def stored_bytes() -> int:
    """What the deliveries' rows hold, counted by PostgreSQL itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(octet_length(body) + octet_length(headers::text) + octet_length(path)"
            " + octet_length(last_error)), 0) FROM integrations_webhookdelivery"
        )
        return cursor.fetchone()[0]


def test_an_unmatched_delivery_keeps_an_excerpt_its_size_and_its_hash_never_the_whole_body(client):
    body = random_json_of(MIB)
    response = client.generic(
        "POST",
        unknown_endpoint_url(),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic c2VjcmV0OnNlY3JldA==",
    )

    assert response.status_code == 404
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body[:4096]
    assert (delivery.body_size, delivery.body_sha256) == (MIB, hashlib.sha256(body).hexdigest())
    assert delivery.headers["Authorization"] == "[REDACTED]"


def test_100_unauthenticated_1mib_posts_store_under_1mib_and_the_rest_are_429(client):
    answers = [
        client.generic("POST", unknown_endpoint_url(), random_json_of(MIB), content_type="application/json")
        for _ in range(100)
    ]

    statuses = [a.status_code for a in answers]
    assert statuses == [404] * 60 + [429] * 40  # the default budget: 60 rejections a minute per IP
    limited = answers[-1]
    assert limited.json()["code"] == "TOO_MANY_REJECTED_DELIVERIES"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert WebhookDelivery.objects.count() == 60  # nothing stored past the budget
    assert stored_bytes() < MIB


def test_one_endpoint_has_its_own_budget_whatever_the_client_ip(client, endpoint, settings):
    settings.WEBHOOK_REJECTION_RATE = "5/m"
    answers = [
        deliver(client, endpoint_url(endpoint), END, secret="wrong", REMOTE_ADDR=f"198.51.100.{n}") for n in range(7)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert WebhookDelivery.objects.count() == 5


def test_valid_deliveries_are_never_limited_and_keep_their_whole_body(client, endpoint, settings):
    settings.WEBHOOK_REJECTION_RATE = "3/m"
    for _ in range(5):
        deliver(client, endpoint_url(endpoint), END, secret="wrong")
    assert deliver(client, endpoint_url(endpoint), END, secret="wrong").status_code == 429

    big = encode({**END, "notes": "x" * 200_000})
    response = deliver(client, endpoint_url(endpoint), big)

    assert response.status_code == 200
    accepted = WebhookDelivery.objects.get(pk=response.json()["data"]["delivery_id"])
    assert bytes(accepted.body) == big and accepted.body_size == len(big)


def test_a_forwarded_for_header_is_ignored_unless_a_trusted_proxy_is_configured(client, settings):
    settings.WEBHOOK_REJECTION_RATE = "3/m"
    spoofed = [
        client.generic(
            "POST", unknown_endpoint_url(), b"{}", content_type="application/json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
        for n in range(5)
    ]
    assert [a.status_code for a in spoofed] == [404] * 3 + [429] * 2  # one client: REMOTE_ADDR
    assert set(WebhookDelivery.objects.values_list("remote_ip", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended(client, settings):
    settings.WEBHOOK_REJECTION_RATE = "3/m"
    settings.TRUSTED_PROXY_COUNT = 1
    # The client may forge the left part; the proxy appends the address it saw, on the right.
    answers = [
        client.generic(
            "POST",
            unknown_endpoint_url(),
            b"{}",
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.{n % 2}",
        )
        for n in range(8)
    ]
    assert [a.status_code for a in answers] == [404] * 6 + [429] * 2  # two clients with 3 each
    assert set(WebhookDelivery.objects.values_list("remote_ip", flat=True)) == {"203.0.113.0", "203.0.113.1"}


def test_cheap_refusals_count_against_the_budget_too(client, settings):
    settings.WEBHOOK_REJECTION_RATE = "2/m"
    answers = [client.generic("POST", SHARED_URL, b"", content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]


def test_rejected_rows_are_purged_after_a_week_accepted_ones_after_retention(client, endpoint, settings):
    settings.WEBHOOK_REJECTED_RETENTION_DAYS = 7
    settings.WEBHOOK_RETENTION_DAYS = 30
    deliver(client, endpoint_url(endpoint), END)
    deliver(client, endpoint_url(endpoint), END, secret="wrong")
    client.generic("POST", unknown_endpoint_url(), b"{}", content_type="application/json")
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(days=8))

    assert webhook_deliveries_purge() == 2
    assert list(WebhookDelivery.objects.values_list("valid", flat=True)) == [True]


# --- inputs that crashed or were accepted and then failed for ever ------------------------------


def test_deeply_nested_json_without_credentials_is_a_400_not_a_crash(client):
    response = client.generic("POST", SHARED_URL, b"[" * 1000, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON")
    nested = b'{"id": 1, "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    response = client.generic("POST", SHARED_URL, nested, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON")


def test_a_nul_in_the_account_id_is_a_400_not_an_outage(client, endpoint):
    response = deliver(client, SHARED_URL, {**END, "account_id": "25001\u0000"})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PAYLOAD")
    assert WebhookDelivery.objects.get().status == "invalid"


@pytest.mark.parametrize(
    "change",
    [
        {"id": "12\u00003"},
        {"id": "x" * 200},
        {"id": {"nested": 1}},
        {"duration": 1e30},
        {"talk_time": "1e30"},
        {"unix_time": 253402300799},  # the year 9999
    ],
    ids=["nul-in-id", "id-longer-than-its-column", "id-not-a-scalar", "absurd-duration", "absurd-talk-time", "y9999"],
)
def test_signed_payloads_that_cannot_be_stored_faithfully_are_400_before_any_acknowledgement(client, endpoint, change):
    response = deliver(client, endpoint_url(endpoint), {**END, **change})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PAYLOAD")
    assert WebhookDelivery.objects.get().valid is False


def test_nuls_and_long_free_text_are_normalized_and_noted_on_the_call(client, endpoint):
    payload = {**END, "name": "Jane\u0000 Doe", "source": "Google\u0000 " + "A" * 300, "custom": {"k\u0000": "v\u0000"}}
    response = deliver(client, endpoint_url(endpoint), payload)
    assert response.status_code == 200

    assert webhook_deliveries_process() == {response.json()["data"]["delivery_id"]: "processed"}
    call = Call.objects.get()
    assert call.source == ("Google " + "A" * 300)[:200]
    assert call.raw["name"] == "Jane Doe" and call.raw["custom"] == {"k": "v"}
    assert any(note.startswith("source: cut from 307 to 200") for note in call.normalization_notes)


def test_lone_surrogates_and_huge_numbers_do_not_reach_the_database(client, endpoint):
    body = json.dumps({**END, "name": "\ud800", "score": 10**300}).encode()
    response = deliver(client, endpoint_url(endpoint), body)
    assert response.status_code == 200
    assert set(webhook_deliveries_process().values()) == {"processed"}
    assert Call.objects.get().raw["name"] == "\ufffd"

    for too_big in (b"1e400", b"NaN", b"Infinity", b"9" * 5000):
        raw = b'{"id": 77, "account_id": 25001, "unix_time": 1763856000, "duration": ' + too_big + b"}"
        answer = deliver(client, endpoint_url(endpoint), raw)
        assert (answer.status_code, answer.json()["code"]) == (400, "INVALID_JSON"), too_big
