"""Sending the outbox to a real local receiver: signatures, credentials, the retry schedule,
deactivation and its notification, 410, rerun, reactivation, a target that hangs, a worker that dies."""

import base64
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations.call_changes import Origin
from notifications.models import Event, Notification
from outbound.models import OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.sending import BUSY, attempt_send, delivery_claim, outbound_deliveries_due, outbound_deliveries_send
from outbound.services import (
    NothingToTest,
    WebhookDeactivated,
    outbound_delivery_rerun,
    outbound_webhook_create,
    outbound_webhook_reactivate,
    outbound_webhook_test,
    outbound_webhook_update,
)
from tests.conftest import owner_of
from tests.outbound.conftest import change, make_call, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]


def hook(account, receiver, **config):
    config = {"name": "CRM", "url": receiver.url(), "trigger": "end", **config}
    return outbound_webhook_create(account=account, **config)


def a_completed_call(account, **fields):
    call = make_call(account, completed=True, **fields)
    publish(call)
    return call


def deliveries(webhook) -> list[OutboundDelivery]:
    return list(OutboundDelivery.objects.filter(webhook=webhook).order_by("pk"))


def test_an_ended_call_is_forwarded_once_signed_so_that_standard_webhooks_verifies_it(account, receiver):
    created = hook(account, receiver)
    call = a_completed_call(account)
    (delivery,) = deliveries(created.webhook)
    assert (delivery.status, delivery.trigger, delivery.call_id) == ("pending", "end", call.pk)

    report = outbound_deliveries_send(webhook_id=created.webhook.pk)

    (request,) = receiver.requests
    assert report.delivered == 1 and request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    verified = Webhook(created.signing_secret).verify(request.body, request.headers)
    assert verified["id"] == call.pk and verified["provider_call_id"] == call.provider_call_id
    assert request.headers["webhook-id"] == f"msg_{delivery.pk}"
    with pytest.raises(WebhookVerificationError):  # a body changed on the way no longer verifies
        Webhook(created.signing_secret).verify(request.body.replace(b"187", b"188"), request.headers)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.finished_at and delivery.lease_until is None
    (attempt,) = delivery.attempts_made.all()
    assert attempt.status_code == 200 and attempt.response_body == '{"ok": true}' and attempt.error == ""
    assert attempt.address == "127.0.0.1" and attempt.url == receiver.url()
    # nothing left to send: running again sends nothing twice
    assert outbound_deliveries_send(webhook_id=created.webhook.pk).sent == 0 and len(receiver.requests) == 1


def test_basic_and_header_credentials_are_sent_and_stored_encrypted(account, receiver):
    basic = hook(account, receiver, auth={"type": "basic", "username": "crm-user", "password": "s3cret-pass"}).webhook
    header = hook(
        account,
        receiver,
        url=receiver.url("/keyed"),
        auth={"type": "header", "header_name": "X-Api-Key", "header_value": "key-123456"},
    ).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=basic.pk)
    outbound_deliveries_send(webhook_id=header.pk)

    by_path = {r.path: r for r in receiver.requests}
    assert by_path["/hook"].headers["authorization"] == "Basic " + base64.b64encode(b"crm-user:s3cret-pass").decode()
    assert by_path["/keyed"].headers["x-api-key"] == "key-123456" and "authorization" not in by_path["/keyed"].headers
    stored = OutboundWebhook.objects.annotate(
        raw_password=Cast("auth_password", TextField()), raw_value=Cast("auth_header_value", TextField())
    )
    raw = {w.pk: (w.raw_password, w.raw_value) for w in stored}
    assert "s3cret-pass" not in raw[basic.pk][0] and raw[basic.pk][0]
    assert "key-123456" not in raw[header.pk][1] and raw[header.pk][1]
    assert all(a.url.startswith("http://127.0.0.1") for a in OutboundAttempt.objects.all())


def test_failures_retry_on_the_schedule_then_fail_deactivate_and_notify_the_owners_once(account, receiver, settings):
    settings.OUTBOUND_RETRY_SCHEDULE = [60, 300, 1500, 7500, 37500]
    receiver.status = 503
    webhook = hook(account, receiver).webhook
    call = a_completed_call(account)
    (delivery,) = deliveries(webhook)

    waits = []
    for attempt_number in range(1, 7):
        before = timezone.now()
        outbound_deliveries_send(webhook_id=webhook.pk)
        delivery.refresh_from_db()
        assert len(receiver.requests) == attempt_number
        if attempt_number < 6:
            assert delivery.status == "retrying"
            waits.append(round((delivery.next_attempt_at - before).total_seconds()))
            assert outbound_deliveries_send(webhook_id=webhook.pk).sent == 0  # not due yet
            OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes

    assert waits == [60, 300, 1500, 7500, 37500]
    assert delivery.status == "failed" and delivery.attempts == 6 and delivery.next_attempt_at is None
    attempts = list(delivery.attempts_made.all())
    assert [a.status_code for a in attempts] == [503] * 6
    assert [a.next_attempt_at is not None for a in attempts] == [True] * 5 + [False]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {f"msg_{delivery.pk}"}  # one id, six tries
    webhook.refresh_from_db()
    assert webhook.status == "deactivated" and webhook.deactivated_at and "HTTP 503" in webhook.last_failure
    (notice,) = Notification.objects.filter(event=Event.OUTBOUND_WEBHOOK_FAILING)
    assert notice.recipient == owner_of(account) and notice.context["webhook_id"] == str(webhook.pk)

    # while it is down, new events are recorded as failed, not sent; and it is not announced twice a day
    change(call, origin=Origin.MANUAL, notes="x")  # not `end` again: nothing
    a_completed_call(account, provider_call_id="later")
    later = deliveries(webhook)[-1]
    assert later.status == "failed" and "deactivated" in later.last_error
    outbound_webhook_reactivate(webhook=webhook)
    OutboundDelivery.objects.filter(pk=later.pk).update(status="pending", next_attempt_at=timezone.now())
    settings.OUTBOUND_RETRY_SCHEDULE = []
    outbound_deliveries_send(webhook_id=webhook.pk)
    webhook.refresh_from_db()
    assert webhook.status == "deactivated"  # deactivated again...
    assert Notification.objects.filter(event=Event.OUTBOUND_WEBHOOK_FAILING).count() == 1  # ...but told once


def test_410_gone_deactivates_at_once_and_fails_what_waits(account, receiver):
    receiver.answer(410)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    a_completed_call(account)
    first, second = deliveries(webhook)

    outbound_deliveries_send(webhook_id=webhook.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    webhook.refresh_from_db()
    assert len(receiver.requests) == 1 and first.attempts == 1
    assert (first.status, second.status, webhook.status) == ("failed", "failed", "deactivated")
    assert "deactivated" in second.last_error
    assert Notification.objects.filter(event=Event.OUTBOUND_WEBHOOK_FAILING).exists()


def test_a_redirect_is_not_followed_and_is_a_failure(account, receiver):
    receiver.answer(302)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    (delivery,) = deliveries(webhook)
    assert len(receiver.requests) == 1 and delivery.status == "retrying"
    assert "redirect not followed" in delivery.attempts_made.get().error


def test_a_timeout_is_a_failed_attempt_that_is_retried(account, receiver, settings):
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    receiver.delay = 1.0
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    started = time.monotonic()
    outbound_deliveries_send(webhook_id=webhook.pk)
    (delivery,) = deliveries(webhook)
    assert time.monotonic() - started < 1.0
    attempt = delivery.attempts_made.get()
    assert delivery.status == "retrying" and attempt.status_code is None and "read timeout" in attempt.error


def test_a_closed_port_is_a_connection_error_that_is_retried(account, receiver):
    webhook = hook(account, receiver, url="http://127.0.0.1:1/hook").webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    (delivery,) = deliveries(webhook)
    assert delivery.status == "retrying" and "connection failed" in delivery.attempts_made.get().error


def test_rerun_sends_a_failed_delivery_again_with_a_new_round_and_keeps_its_history(account, receiver, settings):
    settings.OUTBOUND_RETRY_SCHEDULE = []
    receiver.answer(500)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    (delivery,) = deliveries(webhook)
    assert delivery.status == "failed"
    outbound_webhook_reactivate(webhook=webhook)  # its only attempt failed: it was deactivated

    rerun = outbound_delivery_rerun(delivery=delivery)
    assert (rerun.status, rerun.attempts, rerun.finished_at) == ("pending", 0, None)
    outbound_deliveries_send(webhook_id=webhook.pk)

    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.requests) == 2
    assert [a.status_code for a in delivery.attempts_made.all()] == [500, 200]


def test_a_deactivated_webhook_refuses_a_rerun_until_reactivated(account, receiver):
    receiver.answer(410)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    with pytest.raises(WebhookDeactivated):
        outbound_delivery_rerun(delivery=deliveries(webhook)[0])


def test_reactivating_with_rerun_failed_sends_everything_that_failed_while_it_was_down(account, receiver):
    receiver.answer(410)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)  # 410: deactivated
    a_completed_call(account)  # while it is down: recorded as failed
    a_completed_call(account)
    assert [d.status for d in deliveries(webhook)] == ["failed"] * 3

    assert outbound_webhook_reactivate(webhook=webhook, rerun_failed=True) == 3
    outbound_deliveries_send(webhook_id=webhook.pk)

    assert [d.status for d in deliveries(webhook)] == ["delivered"] * 3
    assert len(receiver.requests) == 4  # the one that got 410, then all three


def test_reactivating_without_rerun_leaves_failed_deliveries_alone(account, receiver):
    receiver.answer(410)
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    assert outbound_webhook_reactivate(webhook=webhook, rerun_failed=False) == 0
    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.deactivated_at is None
    assert deliveries(webhook)[0].status == "failed"
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    assert deliveries(webhook)[-1].status == "delivered"


def test_a_switched_off_webhook_sends_nothing_and_records_nothing_new(account, receiver):
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    outbound_webhook_update(webhook=webhook, active=False)
    a_completed_call(account)
    outbound_deliveries_send(webhook_id=webhook.pk)
    (only,) = deliveries(webhook)
    assert only.status == "failed" and "switched off" in only.last_error and receiver.requests == []


def test_only_news_is_forwarded(account, receiver):
    webhook = hook(account, receiver, trigger="start").webhook
    call = make_call(account)
    publish(call, origin=Origin.BACKFILL, news=False)
    assert deliveries(webhook) == []
    publish(make_call(account), origin=Origin.SYNC, news=True)
    assert len(deliveries(webhook)) == 1


def test_end_delayed_waits_for_its_delay_then_sends_what_is_known_by_then(account, receiver, settings):
    settings.OUTBOUND_END_DELAYED_SECONDS = 1
    webhook = hook(account, receiver, trigger="end_delayed").webhook
    call = a_completed_call(account)
    (delivery,) = deliveries(webhook)
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=0.5)
    assert outbound_deliveries_send(webhook_id=webhook.pk).sent == 0
    assert outbound_deliveries_due() == []

    change(call, transcript="Thanks for calling, see you Monday.")  # enrichment within the delay
    time.sleep(1.1)
    assert outbound_deliveries_due() == [(str(webhook.pk), 1)]
    outbound_deliveries_send(webhook_id=webhook.pk)

    (request,) = receiver.requests
    assert request.json["transcript"] == "Thanks for calling, see you Monday."
    assert request.at - delivery.created_at.timestamp() >= 1.0


def test_a_worker_that_dies_mid_send_is_replaced_by_the_sweep_at_least_once_never_lost(account, receiver, settings):
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    (delivery,) = deliveries(webhook)
    claimed = delivery_claim(webhook_id=webhook.pk)
    assert claimed.pk == delivery.pk
    attempt_send(claimed)  # the request went out... and the worker died before recording anything
    assert len(receiver.requests) == 1
    assert outbound_deliveries_send(webhook_id=webhook.pk).sent == 0  # leased: nobody else sends it
    assert outbound_deliveries_due() == []

    OutboundDelivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert outbound_deliveries_due() == [(str(webhook.pk), 1)]
    outbound_deliveries_send(webhook_id=webhook.pk)

    delivery.refresh_from_db()
    first, second = receiver.requests
    assert delivery.status == "delivered" and first.headers["webhook-id"] == second.headers["webhook-id"]
    lost, sent = delivery.attempts_made.all()
    assert "stopped before recording" in lost.error and sent.status_code == 200


def test_a_test_sends_the_latest_matching_call_now_and_is_never_retried(account, receiver):
    webhook = hook(account, receiver, filters={"tracking_source": ["Google Ads"]}).webhook
    with pytest.raises(NothingToTest):
        outbound_webhook_test(webhook=webhook)
    make_call(account, provider_call_id="older", started_at=timezone.now() - timedelta(hours=2))
    newest = make_call(account, provider_call_id="newest-other-source", source="Bing")
    matching = make_call(
        account, provider_call_id="newest-matching", started_at=newest.started_at - timedelta(minutes=1)
    )
    receiver.answer(500)

    attempt = outbound_webhook_test(webhook=webhook)

    assert attempt.status_code == 500
    assert receiver.requests[0].json["provider_call_id"] == matching.provider_call_id
    assert attempt.delivery.test and attempt.delivery.status == "failed"
    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.last_failure == ""  # a test changes nothing on the webhook


@pytest.fixture
def fast_receiver():
    """A second receiver, that answers at once."""
    from http.server import ThreadingHTTPServer

    from tests.outbound.conftest import Receiver, _handler

    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def in_thread(function, **kwargs) -> threading.Thread:
    def run() -> None:
        try:
            function(**kwargs)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_hung_target_holds_only_its_own_slots_and_never_delays_another(account, receiver, fast_receiver, settings):
    settings.OUTBOUND_MAX_IN_FLIGHT = 1
    settings.OUTBOUND_READ_TIMEOUT = 2.0
    receiver.delay = 1.0  # the hung one
    hung = hook(account, receiver).webhook
    fast = hook(account, fast_receiver).webhook
    a_completed_call(account)
    a_completed_call(account)
    holder = in_thread(outbound_deliveries_send, webhook_id=hung.pk)
    receiver.wait_for(1)

    assert outbound_deliveries_send(webhook_id=hung.pk).busy  # its one slot is taken: no second request
    started = time.monotonic()
    report = outbound_deliveries_send(webhook_id=fast.pk)
    elapsed = time.monotonic() - started

    assert report.delivered == 2 and elapsed < 0.8
    holder.join(timeout=10)
    assert [d.status for d in deliveries(hung)] == ["delivered"] * 2  # the holder drained its own
    assert len(receiver.requests) == 2


def test_a_claim_with_a_full_webhook_is_busy_not_waiting(account, receiver, settings):
    settings.OUTBOUND_MAX_IN_FLIGHT = 1
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    a_completed_call(account)
    first, second = deliveries(webhook)
    assert delivery_claim(webhook_id=webhook.pk).pk == first.pk
    assert delivery_claim(webhook_id=webhook.pk) is BUSY
    settings.OUTBOUND_MAX_IN_FLIGHT = 2
    assert delivery_claim(webhook_id=webhook.pk).pk == second.pk


def test_a_batch_stops_at_its_first_failure_and_gives_the_rest_back_untried(account, receiver):
    receiver.answer(200, 500)  # batches of 1, then 2: the 500 is the first of its batch; then 200 for ever
    webhook = hook(account, receiver).webhook
    for _ in range(8):
        a_completed_call(account)

    report = outbound_deliveries_send(webhook_id=webhook.pk)

    statuses = [(d.status, d.attempts) for d in deliveries(webhook)]
    assert report.sent == 8 and len(receiver.requests) == 8
    assert statuses == [("delivered", 1), ("retrying", 1)] + [("delivered", 1)] * 6
    assert OutboundAttempt.objects.count() == 8
    assert not OutboundDelivery.objects.filter(lease_until__isnull=False).exists()


def test_a_full_webhook_is_remembered_for_a_second_so_its_tasks_cost_no_query(
    account, receiver, settings, django_assert_num_queries
):
    settings.OUTBOUND_MAX_IN_FLIGHT = 1
    webhook = hook(account, receiver).webhook
    a_completed_call(account)
    a_completed_call(account)
    assert delivery_claim(webhook_id=webhook.pk) is not None  # a sender holds the only slot
    assert outbound_deliveries_send(webhook_id=webhook.pk).busy
    with django_assert_num_queries(0):
        assert outbound_deliveries_send(webhook_id=webhook.pk).busy
