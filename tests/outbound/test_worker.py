"""Through real Celery workers on Redis: the `outbound` queue, and a worker killed mid-send (the
delivery is sent again by the sweep: at least once, never lost)."""

import os
import signal

import pytest
from django.db import transaction

from ctm_integration.celery import app as celery_app
from outbound.models import OutboundDelivery
from outbound.services import outbound_webhook_create
from outbound.tasks import outbound_deliveries_sweep
from tests.conftest import wait_for
from tests.outbound.conftest import make_call, publish

pytestmark = pytest.mark.celery_worker

WORKER_ENV = {"OUTBOUND_ALLOW_PRIVATE_TARGETS": "1", "LOG_LEVEL": "WARNING"}


def output_of(worker) -> str:
    worker.terminate()
    return worker.communicate(timeout=15)[0][-5000:]


def test_sends_are_routed_to_their_own_queue():
    assert celery_app.amqp.router.route({}, "outbound.tasks.outbound_delivery_send")["queue"].name == "outbound"
    assert celery_app.amqp.router.route({}, "outbound.tasks.outbound_deliveries_sweep")["queue"].name == "outbound"
    assert celery_app.amqp.router.route({}, "integrations.tasks.webhook_deliveries_drain")["queue"].name == "celery"


def test_a_real_worker_forwards_a_call_once_its_transaction_commits(celery_worker, account, receiver, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    worker = celery_worker(**WORKER_ENV)
    webhook = outbound_webhook_create(account=account, name="CRM", url=receiver.url(), trigger="end").webhook

    with transaction.atomic():
        publish(make_call(account, completed=True))

    if not receiver.wait_for(1, timeout=60):
        pytest.fail("nothing arrived:\n" + output_of(worker))
    assert wait_for(lambda: OutboundDelivery.objects.get(webhook=webhook).status == "delivered", timeout=30)


def test_a_worker_killed_mid_send_loses_nothing(celery_worker, account, receiver, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    receiver.delay = 30  # the request arrives, and the answer never comes before the kill
    first = celery_worker(**WORKER_ENV, OUTBOUND_READ_TIMEOUT="60", OUTBOUND_LEASE_SECONDS="3")
    webhook = outbound_webhook_create(account=account, name="CRM", url=receiver.url(), trigger="end").webhook
    with transaction.atomic():
        publish(make_call(account, completed=True))
    if not receiver.wait_for(1, timeout=60):
        pytest.fail("the first worker sent nothing:\n" + output_of(first))

    os.kill(first.pid, signal.SIGKILL)  # mid-send: no outcome recorded, its lease left behind
    first.wait(timeout=15)
    delivery = OutboundDelivery.objects.get(webhook=webhook)
    assert delivery.status == "pending" and delivery.lease_until is not None and not delivery.attempts_made.exists()

    receiver.delay = 0
    second = celery_worker(**WORKER_ENV)

    def swept_and_delivered() -> bool:
        outbound_deliveries_sweep.delay()  # what beat does every OUTBOUND_SWEEP_EVERY seconds
        return wait_for(lambda: OutboundDelivery.objects.get(pk=delivery.pk).status == "delivered", timeout=2)

    if not wait_for(swept_and_delivered, timeout=60, interval=0.5):
        pytest.fail("not sent again:\n" + output_of(second))
    first_request, second_request = receiver.requests
    assert first_request.headers["webhook-id"] == second_request.headers["webhook-id"]  # the receiver can dedupe
    lost, delivered = OutboundDelivery.objects.get(pk=delivery.pk).attempts_made.all()
    assert "stopped before recording" in lost.error and delivered.status_code == 200
