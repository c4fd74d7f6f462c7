"""Thin tasks over notifications.sending."""

from celery import shared_task

from notifications import sending


@shared_task(name="notifications.tasks.notification_delivery_send", soft_time_limit=60, time_limit=90)
def notification_delivery_send(delivery_id: int) -> str:
    return sending.notification_delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.notification_deliveries_sweep")
def notification_deliveries_sweep() -> int:
    due = sending.notification_deliveries_due()
    for delivery_id in due:
        notification_delivery_send.delay(delivery_id)
    return len(due)
