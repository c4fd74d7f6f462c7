"""CTM's own Celery tasks: the periodic call sync. Thin: they take ids, call the sync, own retries.

The task names keep their original "integrations.tasks." prefix: messages already queued under
those names (and the beat schedule) must still find them.
"""

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
from integrations.providers.ctm.normalize import SLUG
from integrations.providers.ctm.sync import (
    call_sync_targets_refresh,
    ctm_calls_sync,
    sync_lease_release,
    sync_lease_take,
)

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
    state = CallSyncState.objects.select_related("key", "account").filter(pk=state_id, provider=SLUG).first()
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
