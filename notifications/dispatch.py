"""Handing outbox deliveries to the workers: once the transaction that wrote them commits, and again
when staff ask for a resend. Sending itself (claim, send, retry schedule) is `notifications.sending`."""

from django.db import transaction

from notifications.models import NotificationDelivery
from notifications.sending import batches
from notifications.tasks import notification_deliveries_send as notification_deliveries_send_task


def notification_deliveries_enqueue(*, delivery_ids: list[int]) -> None:
    """Queue these deliveries once the current transaction commits, a task per batch of them (a lost
    task is swept up later)."""
    if delivery_ids:
        transaction.on_commit(
            lambda: [notification_deliveries_send_task.delay(batch) for batch in batches(delivery_ids)], robust=True
        )


def notification_delivery_resend(*, delivery: NotificationDelivery) -> None:
    """Staff: send it again (a new attempt of the same delivery)."""
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=NotificationDelivery.Status.READY, next_attempt_at=None, last_error=""
    )
    notification_deliveries_send_task.delay([delivery.pk])
