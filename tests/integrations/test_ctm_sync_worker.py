"""The periodic sync through a real Celery worker consuming from Redis (not eager mode)."""

import pytest

from integrations.models import Call, CallSyncState, Key
from integrations.providers.ctm.credentials import config_save
from integrations.providers.ctm.tasks import ctm_calls_sync_all
from tests.conftest import wait_for

pytestmark = pytest.mark.celery_worker


def test_the_periodic_task_fans_out_and_a_real_worker_fills_the_store(
    celery_worker, api, account, sandbox_token, ctm_sandbox
):
    config_save(
        account=account,
        key=Key.objects.get(pk=sandbox_token),
        calltracking_account_id="25001",
        calltracking_sub_account_id="25002",
    )
    worker = celery_worker(CTM_API_BASE_URL=ctm_sandbox.base_url, CTM_SYNC_INITIAL_DAYS="2")

    ctm_calls_sync_all.delay()

    def both_synced() -> bool:
        return CallSyncState.objects.filter(account=account, last_synced_at__isnull=False).count() == 2

    synced = wait_for(both_synced, timeout=90)
    if not synced:
        worker.terminate()
        pytest.fail("the worker did not sync in time:\n" + worker.communicate(timeout=10)[0][-4000:])
    counts = {a: Call.objects.filter(account=account, provider_account_id=a).count() for a in ("25001", "25002")}
    assert all(n > 0 for n in counts.values()), counts
