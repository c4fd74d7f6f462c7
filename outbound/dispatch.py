"""Handing deliveries to the `outbound` workers once the transaction that wrote them commits (a task
lost on the way, or a broker that is down, leaves the row due: the sweep sends it).

Tasks are per webhook, not per delivery: each drains its webhook's due deliveries, oldest first, so a
batch of a thousand calls is a handful of tasks, and a webhook never gets more tasks than it may have
requests in flight (OUTBOUND_MAX_IN_FLIGHT)."""

from collections import Counter

from django.conf import settings
from django.db import transaction

from outbound.tasks import outbound_delivery_send as outbound_delivery_send_task


def deliveries_enqueue(*, deliveries: list[tuple[object, int]]) -> None:
    """(webhook id, delivery id) pairs, sent by tasks started once the current transaction commits."""
    per_webhook = Counter(str(webhook_id) for webhook_id, _ in deliveries)
    if not per_webhook:
        return

    def enqueue() -> None:
        for webhook_id, count in per_webhook.items():
            for _ in range(min(count, settings.OUTBOUND_MAX_IN_FLIGHT)):
                outbound_delivery_send_task.delay(webhook_id)

    transaction.on_commit(enqueue, robust=True)
