"""Thin tasks over notifications.sending."""

from celery import shared_task

from notifications import sending


@shared_task(name="notifications.tasks.notification_deliveries_send", soft_time_limit=240, time_limit=300)
def notification_deliveries_send(delivery_ids: list[int]) -> dict[int, str]:
    return sending.notification_deliveries_send(delivery_ids=delivery_ids)


@shared_task(name="notifications.tasks.notification_delivery_send", soft_time_limit=60, time_limit=90)
def notification_delivery_send(delivery_id: int) -> str:
    """One delivery (tasks queued before deliveries were sent in batches)."""
    return sending.notification_delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.notification_deliveries_sweep")
def notification_deliveries_sweep() -> int:
    due = sending.notification_deliveries_due()
    for batch in sending.batches(due):
        notification_deliveries_send.delay(batch)
    return len(due)
