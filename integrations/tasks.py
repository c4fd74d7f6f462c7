"""Thin Celery tasks of the provider-neutral pipeline: they take ids, call a service, and own retries.
(A provider's own tasks live in its folder, e.g. the CTM sync.)"""

import time

from celery import shared_task
from django.conf import settings

from integrations.webhooks import drain_gate, processing
from integrations.webhooks.drain import DRAIN_TASK, webhook_drain_request

# --- webhooks ---------------------------------------------------------------------------------

DRAIN_RUN_SECONDS = 60


@shared_task(
    name=DRAIN_TASK,
    bind=True,
    max_retries=30,
    soft_time_limit=240,
    time_limit=300,
)
def webhook_deliveries_drain(self) -> int:
    """Process waiting deliveries in batches until none is left (or a minute has passed)."""
    drain_gate.gate_release()  # deliveries stored from now on ask for another drain
    handled = 0
    helped = False
    deadline = time.monotonic() + DRAIN_RUN_SECONDS
    while time.monotonic() < deadline:
        batch = processing.webhook_deliveries_process()
        if batch:
            handled += len(batch)
            if not helped and len(batch) >= settings.WEBHOOK_BATCH_SIZE:
                # A backlog: ask for a second drain, so that another worker process takes batches
                # beside this one (claims skip each other's rows) instead of idling.
                helped = True
                webhook_drain_request()
            continue
        if processing.webhook_deliveries_waiting():
            # Waiting rows we could not claim: another worker holds them, or one that was killed
            # does until the database notices. Look again shortly rather than leave them.
            raise self.retry(countdown=2)
        return handled
    webhook_drain_request()  # more is waiting: continue in a fresh task
    return handled


@shared_task(name="integrations.tasks.webhook_deliveries_sweep")
def webhook_deliveries_sweep() -> bool:
    """Periodic: deliveries that nobody processed (broker down, worker killed) and due retries."""
    due = processing.webhook_deliveries_due()
    if due:
        webhook_deliveries_drain.delay()
    return due


@shared_task(name="integrations.tasks.webhook_deliveries_purge")
def webhook_deliveries_purge() -> int:
    return processing.webhook_deliveries_purge()
