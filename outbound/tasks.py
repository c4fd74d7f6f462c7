"""Thin tasks over outbound.sending, on their own queue (`outbound`, see CELERY_TASK_ROUTES)."""

from celery import shared_task

from outbound import sending

SOON = 60.0  # a retry due within this many seconds gets a task now; later ones are the sweep's


@shared_task(name="outbound.tasks.outbound_delivery_send", soft_time_limit=70, time_limit=80)
def outbound_delivery_send(webhook_id: str) -> dict:
    """Drain one webhook's due deliveries (see outbound.sending)."""
    report = sending.outbound_deliveries_send(webhook_id=webhook_id)
    if report.more:
        outbound_delivery_send.delay(webhook_id)
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
