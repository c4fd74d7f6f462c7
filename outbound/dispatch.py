"""Handing deliveries to the `outbound` workers once the transaction that wrote them commits (a task
lost on the way, or a broker that is down, leaves the row due: the sweep sends it)."""

from django.db import transaction

from outbound.tasks import outbound_delivery_send as outbound_delivery_send_task


def deliveries_enqueue(*, deliveries: list[tuple[object, int]]) -> None:
    """(webhook id, delivery id) pairs, each sent by a task once the current transaction commits."""
    if not deliveries:
        return
    pairs = [(str(webhook_id), delivery_id) for webhook_id, delivery_id in deliveries]

    def enqueue() -> None:
        for webhook_id, delivery_id in pairs:
            outbound_delivery_send_task.delay(webhook_id, delivery_id)

    transaction.on_commit(enqueue, robust=True)
