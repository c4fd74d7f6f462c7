"""One set of webhook cases, run for every provider in the registry through its adapter (see base.py).

Each case posts what the provider would post to an endpoint created through our API, and checks what the
provider sees (the answer), what we keep (the stored delivery) and what processing makes of it, through the
real drain task (a real Celery worker on Redis for the good delivery): the call, its rollups."""

import hashlib
import json
import uuid

import pytest
from django.db.models import Sum

from integrations.models import Call, CallDailyRollup, CampaignDailyMetric, WebhookDelivery
from integrations.tasks import webhook_deliveries_drain
from tests.conftest import wait_for
from tests.webhook_cases.base import encode

pytestmark = pytest.mark.django_db

REJECTED_BODY_KEPT = 4096  # what a rejected delivery keeps of its body
MALFORMED = {
    "truncated": b'{"id": 9001234, "Notifications": [{"Action": "CallDetails.CallProcessed"',
    "not-utf8": b'{"id": "\xff\xfe\xfd"}',
    "nan": b'{"id": 9001234, "duration": NaN}',
    "too-deep": b'{"id": 1, "x": ' + b"[" * 40 + b"]" * 40 + b"}",
}


def drain() -> int:
    """What a worker runs when deliveries ask for a drain: the real task, run eagerly in this process."""
    return webhook_deliveries_drain.apply().get()


def statuses() -> list[str]:
    return list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True))


def post_all(client, adapter, deliveries, *, arrival: str) -> None:
    """Post each delivery; `arrival` "later": each is processed before the next arrives, else all in one batch."""
    for delivery in deliveries:
        response = delivery.post(client)
        assert response.status_code in adapter.success, response.json()
        if arrival == "later":
            drain()
    drain()


def assert_one_call_counted_once(adapter, *, account, campaign) -> Call:
    """Exactly one call, as the provider's final event says, in the campaign, counted once everywhere."""
    call = Call.objects.get()
    assert {name: getattr(call, name) for name in adapter.expected_call} == adapter.expected_call
    assert (call.account, call.campaign) == (account, campaign)
    rollups = CallDailyRollup.objects.filter(account=account).aggregate(calls=Sum("calls"), ringing=Sum("in_progress"))
    assert rollups == {"calls": 1, "ringing": 0}
    assert CampaignDailyMetric.objects.filter(campaign=campaign).aggregate(calls=Sum("calls")) == {"calls": 1}
    return call


def assert_nothing_counted() -> None:
    assert not Call.objects.exists()
    assert not CallDailyRollup.objects.exists() and not CampaignDailyMetric.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_good_delivery_is_stored_raw_before_the_answer_and_a_worker_makes_it_one_call(
    celery_worker, client, adapter, hook, account, campaign
):
    worker = celery_worker()
    delivery = adapter.delivery(hook, adapter.final)

    response = delivery.post(client, REMOTE_ADDR="203.0.113.9")

    assert response.status_code in adapter.success
    stored = WebhookDelivery.objects.get(pk=response.json()["data"]["delivery_id"])
    assert response.json() == {
        "success": True,
        "message": "SUCCESS",
        "data": {"delivery_id": stored.pk, "status": "pending"},
    }
    assert (bytes(stored.body), stored.body_sha256) == (delivery.body, hashlib.sha256(delivery.body).hexdigest())
    assert (stored.provider, stored.valid, stored.event) == (adapter.slug, True, adapter.final.event)
    assert stored.remote_ip == "203.0.113.9"
    assert (stored.endpoint_id, stored.account) == (uuid.UUID(hook.endpoint_id), account)
    kept = json.dumps(stored.headers) + stored.query_string
    assert all(credential not in kept for credential in (hook.secret, *(hook.login or ())))

    if not wait_for(lambda: WebhookDelivery.objects.get(pk=stored.pk).status == "processed", timeout=60):
        worker.terminate()
        pytest.fail(f"not processed: {statuses()}\n{worker.communicate(timeout=15)[0][-5000:]}")
    call = assert_one_call_counted_once(adapter, account=account, campaign=campaign)
    assert list(stored.calls.all()) == [call]


@pytest.mark.parametrize("spoil", ["unsigned", "forged", "garbled"])
def test_a_missing_forged_or_garbled_credential_is_401_kept_truncated_and_never_processed(client, adapter, hook, spoil):
    body = encode({**adapter.final.payload, "padding": "x" * 5000})  # longer than a rejected delivery keeps
    delivery = getattr(adapter, spoil)(hook, adapter.delivery(hook, adapter.final, body=body))

    response = delivery.post(client)

    answer = response.json()
    assert (response.status_code, answer["success"], answer["errno"]) == (401, False, 401), answer
    assert answer["code"] == adapter.refused_with[spoil]
    stored = WebhookDelivery.objects.get()
    assert (stored.valid, stored.status, stored.error_code) == (False, "invalid", answer["code"])
    assert (bytes(stored.body), stored.body_size) == (body[:REJECTED_BODY_KEPT], len(body))
    assert stored.endpoint_id == uuid.UUID(hook.endpoint_id)
    assert drain() == 0
    assert statuses() == ["invalid"]
    assert_nothing_counted()


@pytest.mark.parametrize("arrival", ["later", "in one batch"])
def test_the_same_event_delivered_again_is_acknowledged_and_counted_once(
    client, adapter, hook, account, campaign, arrival
):
    deliveries = [adapter.delivery(hook, adapter.final), adapter.resent(hook, adapter.final)]

    post_all(client, adapter, deliveries, arrival=arrival)

    assert statuses() in (["processed", "duplicate"], ["processed", "processed"])
    assert_one_call_counted_once(adapter, account=account, campaign=campaign)


@pytest.mark.parametrize("arrival", ["later", "in one batch"])
def test_a_retry_of_a_delivery_is_acknowledged_as_a_duplicate(client, adapter, hook, account, campaign, arrival):
    first = adapter.delivery(hook, adapter.final)

    post_all(client, adapter, [first, adapter.retry(hook, first)], arrival=arrival)

    assert statuses() == ["processed", "duplicate"]
    assert_one_call_counted_once(adapter, account=account, campaign=campaign)


def test_an_oversize_body_is_413_in_the_envelope_and_nothing_is_stored(client, adapter, hook, settings):
    cap = settings.WEBHOOK_MAX_BODY_BYTES
    body = encode({**adapter.final.payload, "padding": "x" * cap})

    response = adapter.delivery(hook, adapter.final, body=body).post(client)

    answer = response.json()
    assert (response.status_code, answer["success"], answer["errno"], answer["code"]) == (
        413,
        False,
        413,
        "BODY_TOO_LARGE",
    )
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_signed_malformed_json_is_400_kept_as_rejected_and_nothing_is_counted(client, adapter, hook, body):
    response = adapter.deliver(hook, adapter.final.event, body).post(client)

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON"), response.json()
    stored = WebhookDelivery.objects.get()
    assert (stored.valid, stored.status, stored.traceback) == (False, "invalid", "")
    assert drain() == 0
    assert_nothing_counted()


def test_an_unknown_event_is_stored_acknowledged_and_makes_no_call(client, adapter, hook):
    if adapter.unknown is None:
        pytest.skip(f"{adapter.slug}: {adapter.no_unknown_event_because}")
    delivery = adapter.delivery(hook, adapter.unknown)

    response = delivery.post(client)

    assert response.status_code in adapter.success, response.json()
    assert drain() == 1
    stored = WebhookDelivery.objects.get()
    assert (stored.valid, stored.status, stored.event) == (True, "processed", adapter.unknown.event[:32])
    assert bytes(stored.body) == delivery.body
    assert_nothing_counted()


def test_an_event_name_no_database_can_store_is_acknowledged_not_an_outage(client, adapter, hook):
    """A NUL in the event name (in the URL or the body): kept without it, never a 503 the provider retries."""
    if adapter.unknown is None:
        pytest.skip(f"{adapter.slug}: {adapter.no_unknown_event_because}")
    sample = adapter.with_event(adapter.unknown, "call.\x00scored")

    response = adapter.delivery(hook, sample).post(client)

    assert response.status_code in adapter.success, response.json()
    assert drain() == 1
    stored = WebhookDelivery.objects.get()
    assert (stored.valid, stored.status, stored.event) == (True, "processed", "call.scored")
    assert_nothing_counted()


@pytest.mark.parametrize("order", ["final first", "partial first"])
def test_a_final_and_a_partial_event_in_either_order_are_one_call_with_the_final_data(
    client, adapter, hook, account, campaign, order
):
    samples = [adapter.final, adapter.partial]
    if order == "partial first":
        samples.reverse()

    post_all(client, adapter, [adapter.delivery(hook, sample) for sample in samples], arrival="later")

    assert statuses() == ["processed", "processed"]  # two events about one call: neither is a duplicate
    call = assert_one_call_counted_once(adapter, account=account, campaign=campaign)
    assert call.deliveries.count() == 2
