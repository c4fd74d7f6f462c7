"""Thin tasks over outbound.sending, on their own queue (`outbound`, see CELERY_TASK_ROUTES)."""

import time

from celery import shared_task

from outbound import sending

SOON = 60.0  # a retry due within this many seconds gets a task now; later ones are the sweep's
# A webhook whose sender slots were all taken gets one more look a second later (one per process),
# for what arrived while its senders were finishing; tasks in between end at once.
_look_again_at: dict[str, float] = {}


@shared_task(name="outbound.tasks.outbound_delivery_send", soft_time_limit=70, time_limit=80)
def outbound_delivery_send(webhook_id: str, carry_on: bool = False) -> dict:
    """Drain one webhook's due deliveries (see outbound.sending); `carry_on`: a sender whose time was
    up hands over to this task, which takes the slot it left whatever this process remembers."""
    report = sending.outbound_deliveries_send(webhook_id=webhook_id, carry_on=carry_on)
    if report.more:
        outbound_delivery_send.delay(webhook_id, True)
    if report.busy and _look_again_at.get(webhook_id, 0.0) <= time.monotonic():
        _look_again_at[webhook_id] = time.monotonic() + sending.BUSY_MEMORY_SECONDS
        outbound_delivery_send.apply_async((webhook_id, True), countdown=sending.BUSY_MEMORY_SECONDS)
    for seconds in report.retries:
        if seconds <= SOON:
            outbound_delivery_send.apply_async((webhook_id,), countdown=max(seconds, 0))
    return {"sent": report.sent, "delivered": report.delivered, "busy": report.busy}


@shared_task(name="outbound.tasks.outbound_deliveries_sweep")
def outbound_deliveries_sweep() -> int:
    started = 0
    for webhook_id, tasks in sending.outbound_deliveries_due():
        for _ in range(tasks):
            outbound_delivery_send.delay(webhook_id)
            started += 1
    return started
