"""The public receiver: cheap checks, the raw delivery stored first, every validator, the right answer."""

import time

import pytest
from django.db import connection

from integrations.models import Campaign, SigningSecret, WebhookDelivery
from tests.conftest import WEBHOOK_SECRET, deliver, endpoint_url, load_fixture
from tests.webhook_helpers import encode

pytestmark = pytest.mark.django_db

SHARED_URL = "/v1/e/calltrackingmetrics/webhook/call-update"
START = load_fixture("ctm", "webhook__start")
END = load_fixture("ctm", "webhook__end")


def only_delivery() -> WebhookDelivery:
    (delivery,) = WebhookDelivery.objects.all()
    return delivery


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"timestamp": int(time.time()) - 3600}, 401, "STALE_TIMESTAMP"),
        ({"login": ("ctm-hook-user", "wrong")}, 401, "INVALID_CREDENTIALS"),
        ({"login": None}, 401, "INVALID_CREDENTIALS"),
    ],
)
def test_failed_checks_are_kept_marked_invalid_and_answered(client, endpoint, change, status, code):
    response = deliver(client, endpoint_url(endpoint), END, **change)

    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["success"] is False
    delivery = only_delivery()
    assert (delivery.valid, delivery.status, delivery.error_code) == (False, "invalid", code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ((load_fixture.__globals__["FIXTURES"] / "ctm" / "webhook__seed_as_printed.txt").read_bytes(), "INVALID_JSON"),
        (b"[1, 2, 3]", "INVALID_PAYLOAD"),
        (encode({"account_id": 25001, "dial_status": "answered"}), "INVALID_PAYLOAD"),  # no call id
    ],
)
def test_malformed_bodies_are_400_and_kept(client, endpoint, body, code):
    response = deliver(client, endpoint_url(endpoint), body)
    assert response.status_code == 400 and response.json()["code"] == code
    assert only_delivery().status == "invalid"


def test_cheap_checks_answer_without_storing_anything(client, endpoint):
    url = endpoint_url(endpoint)

    empty = deliver(client, url, b"")
    blank = deliver(client, url, b"   \n")
    form = deliver(client, url, b"id=1&account_id=2", content_type="application/x-www-form-urlencoded")

    assert (empty.status_code, empty.json()["code"]) == (400, "EMPTY_BODY")
    assert blank.status_code == 400
    assert (form.status_code, form.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert not WebhookDelivery.objects.exists()


def test_get_is_405_and_head_is_a_ping(client, endpoint):
    assert client.head(endpoint_url(endpoint)).status_code == 200
    response = client.get(endpoint_url(endpoint))
    assert response.status_code == 405 and response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_an_unknown_endpoint_is_404_and_the_delivery_is_kept_for_audit(client, db):
    response = deliver(client, "/v1/e/calltrackingmetrics/webhook/6f1d3c1e-0000-4000-8000-000000000000/", END)
    assert response.status_code == 404 and response.json()["code"] == "UNKNOWN_ENDPOINT"
    assert only_delivery().status == "unmatched"


def test_the_shared_url_finds_the_endpoint_from_the_ctm_account(client, endpoint):
    response = deliver(client, SHARED_URL, START)
    assert response.status_code == 200
    assert only_delivery().endpoint == endpoint and only_delivery().event == "call.received"


def test_the_shared_url_falls_back_to_the_campaign_tracking_the_number(client, campaign, account):
    # no endpoint is registered: the campaign tracking the number is the only candidate
    response = deliver(client, SHARED_URL, END, login=None)
    assert response.status_code == 200, response.json()
    assert (only_delivery().account, only_delivery().endpoint) == (account, None)


def test_the_shared_url_with_nothing_matching_is_404(client, campaign):
    response = deliver(client, SHARED_URL, {**END, "account_id": 77777, "tracking_number": "+15550000000"})
    assert response.status_code == 404 and only_delivery().status == "unmatched"


def test_the_seed_envelope_is_accepted(client, endpoint):
    response = deliver(client, SHARED_URL, load_fixture("ctm", "webhook__seed_envelope"))
    assert response.status_code == 200
    assert only_delivery().event == "call.completed"


def test_a_sub_account_signing_secret_and_its_predecessor_during_rotation(client, endpoint):
    SigningSecret.objects.create(provider_account_id="25001", secret="new-sub-secret", previous_secret="old-one")

    for secret in ("new-sub-secret", "old-one", WEBHOOK_SECRET):
        assert deliver(client, endpoint_url(endpoint), END, secret=secret).status_code == 200
    assert deliver(client, endpoint_url(endpoint), END, secret="retired-long-ago").status_code == 401


def test_an_endpoint_that_does_not_require_signatures_relies_on_basic_auth(client, endpoint):
    endpoint.require_signature = False
    endpoint.save()
    assert deliver(client, endpoint_url(endpoint), END, secret=None).status_code == 200
    # ...but a signature that is present must still be right
    assert deliver(client, endpoint_url(endpoint), END, secret="wrong").status_code == 401


def test_the_timestamp_tolerance_is_configurable(client, endpoint, settings):
    settings.WEBHOOK_TIMESTAMP_TOLERANCE = 0  # disabled
    assert deliver(client, endpoint_url(endpoint), END, timestamp=1).status_code == 200


def test_when_the_database_cannot_store_it_the_answer_is_503(client, endpoint):
    table = WebhookDelivery._meta.db_table
    with connection.cursor() as cursor:  # the test's transaction undoes this
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_away"')
    response = deliver(client, endpoint_url(endpoint), END)
    assert response.status_code == 503 and response.json()["code"] == "STORAGE_UNAVAILABLE"
    assert response["Retry-After"] == "30"


def test_disabled_campaigns_do_not_claim_deliveries(client, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DISABLED)
    response = deliver(client, SHARED_URL, {**END, "account_id": 77777}, login=None)
    assert response.status_code == 404
