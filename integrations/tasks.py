"""Thin Celery tasks: they take ids, call a service, and own retries."""

import logging
import time

from celery import shared_task

from integrations.models import CallSyncState
from integrations.providers.ctm.errors import (
    CtmConnectionError,
    CtmKeyInvalidated,
    CtmRateLimited,
    CtmServerError,
    CtmTimeout,
)
from integrations.providers.ctm.sync import (
    call_sync_targets_refresh,
    ctm_calls_sync,
    sync_lease_release,
    sync_lease_take,
)
from integrations.webhooks import drain_gate, processing
from integrations.webhooks.redis_breaker import redis_breaker

logger = logging.getLogger(__name__)


@shared_task(name="integrations.tasks.ctm_calls_sync_all")
def ctm_calls_sync_all() -> int:
    """Periodic: one sync task per configured CTM account."""
    states = call_sync_targets_refresh()
    for state in states:
        ctm_calls_sync_account.delay(state.pk)
    return len(states)


@shared_task(
    name="integrations.tasks.ctm_calls_sync_account",
    bind=True,
    max_retries=5,
    soft_time_limit=1700,
    time_limit=1800,
)
def ctm_calls_sync_account(self, state_id: int) -> int:
    state = CallSyncState.objects.select_related("key", "account").filter(pk=state_id).first()
    if state is None or not sync_lease_take(state=state):
        return 0  # gone, or another run is on it
    try:
        return ctm_calls_sync(state=state).calls_changed
    except CtmKeyInvalidated:
        logger.info("ctm sync %s: credentials invalidated; waiting for the user to reconnect", state_id)
        return 0
    except CtmRateLimited as exc:
        raise self.retry(exc=exc, countdown=min(int(exc.retry_after or 60), 900)) from exc
    except (CtmServerError, CtmTimeout, CtmConnectionError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    finally:
        sync_lease_release(state=state)


# --- webhooks ---------------------------------------------------------------------------------

DRAIN_RUN_SECONDS = 60


def webhook_drain_request() -> None:
    """Called when a delivery has been stored: make sure a drain is on its way. While one is already
    requested and not yet started, no further task is queued (one task per burst, not per delivery).
    If Redis or the broker is down nothing is queued (a broker error is raised, and logged by
    on_commit's robust mode): the rows stay pending and the sweeper asks again later."""
    if not drain_gate.gate_take():
        return
    try:
        webhook_deliveries_drain.delay()
    except Exception as exc:
        redis_breaker.trip(f"{type(exc).__name__}: {exc}")
        drain_gate.gate_release()
        raise


@shared_task(
    name="integrations.tasks.webhook_deliveries_drain",
    bind=True,
    max_retries=30,
    soft_time_limit=240,
    time_limit=300,
)
def webhook_deliveries_drain(self) -> int:
    """Process waiting deliveries in batches until none is left (or a minute has passed)."""
    drain_gate.gate_release()  # deliveries stored from now on ask for another drain
    handled = 0
    deadline = time.monotonic() + DRAIN_RUN_SECONDS
    while time.monotonic() < deadline:
        batch = processing.webhook_deliveries_process()
        if batch:
            handled += len(batch)
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
