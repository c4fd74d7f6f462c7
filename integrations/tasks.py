"""Thin Celery tasks: they take ids, call a service, and own retries."""

import logging

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
from integrations.webhooks import processing

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


def webhook_delivery_enqueue(delivery_id: int) -> None:
    """Called on commit of a stored delivery. If the broker is down this raises (and is logged by
    on_commit's robust mode): the row is still pending and the sweeper enqueues it later."""
    webhook_delivery_process.delay(delivery_id)


@shared_task(name="integrations.tasks.webhook_delivery_process")
def webhook_delivery_process(delivery_id: int) -> str:
    return processing.webhook_delivery_process(delivery_id=delivery_id).status


@shared_task(name="integrations.tasks.webhook_deliveries_sweep")
def webhook_deliveries_sweep() -> int:
    ids = processing.webhook_deliveries_due()
    for delivery_id in ids:
        webhook_delivery_process.delay(delivery_id)
    return len(ids)


@shared_task(name="integrations.tasks.webhook_deliveries_purge")
def webhook_deliveries_purge() -> int:
    return processing.webhook_deliveries_purge()
