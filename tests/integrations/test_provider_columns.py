"""Configs and call sync states carry their provider: one live config per account and provider, one sync
state per account, provider and provider account; CTM's code reads and writes only CTM's rows."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from integrations.models import CallSyncState, Key, UserConfig
from integrations.providers.ctm.credentials import config_save
from integrations.providers.ctm.sync import call_sync_targets_refresh
from integrations.providers.ctm.tasks import ctm_calls_sync_account
from integrations.providers.ctm.webhook_receiver import tenant_credentials
from tests.conftest import connect_ctm

pytestmark = pytest.mark.django_db

CTM = "calltrackingmetrics"
OTHER = "callrail"  # another provider of the registry


@pytest.fixture
def key(api, ctm) -> Key:
    return Key.objects.get(pk=connect_ctm(api, ctm).json()["data"]["token"])


def other_config(account, key, provider_account_id="ACC-9") -> UserConfig:
    return UserConfig.objects.create(
        account=account, key=key, provider=OTHER, calltracking_account_id=provider_account_id
    )


def test_an_account_has_one_live_config_per_provider(account, key):
    other_config(account, key)
    config_save(account=account, key=key, calltracking_account_id="25001")

    alive = UserConfig.objects.alive().filter(account=account)
    assert sorted(alive.values_list("provider", "calltracking_account_id")) == [(OTHER, "ACC-9"), (CTM, "25001")]


def test_a_second_live_config_of_one_provider_is_refused(account, key):
    UserConfig.objects.create(account=account, key=key, provider=CTM, calltracking_account_id="25001")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserConfig.objects.create(account=account, key=key, provider=CTM, calltracking_account_id="25002")


def test_a_config_stored_without_a_provider_is_ctm_s(account, key):
    """What the migration gives the configs stored before the column existed."""
    config = UserConfig.objects.create(account=account, key=key, calltracking_account_id="25001")

    assert config.provider == CTM


def test_saving_the_ctm_config_replaces_ctm_s_and_leaves_another_providers(account, key):
    other = other_config(account, key)

    first = config_save(account=account, key=key, calltracking_account_id="25001")
    second = config_save(account=account, key=key, calltracking_account_id="25002")

    assert second.pk == first.pk and second.provider == CTM
    other.refresh_from_db()
    assert (other.provider, other.calltracking_account_id, other.deleted) == (OTHER, "ACC-9", None)


def test_disconnecting_ctm_keeps_another_providers_config(api, account, key):
    config_save(account=account, key=key, calltracking_account_id="25001")
    other = other_config(account, key)

    response = api.delete("/v1/e/calltrackingmetrics/auth")

    assert response.status_code == 200 and response.json()["data"]["config_deleted"] is True
    assert list(UserConfig.objects.alive().filter(account=account)) == [other]


def test_another_providers_account_ids_are_not_the_tenants_ctm_accounts(account, key):
    other_config(account, key, provider_account_id="77777")
    config_save(account=account, key=key, calltracking_account_id="25001")

    owned = tenant_credentials(account_id=account.id, generation=object()).ctm_account_ids

    assert "25001" in owned and "77777" not in owned


def test_sync_states_are_per_provider(account, key):
    config_save(account=account, key=key, calltracking_account_id="25001")
    theirs = CallSyncState.objects.create(account=account, key=key, provider=OTHER, provider_account_id="25001")

    states = call_sync_targets_refresh()

    assert [(s.provider, s.provider_account_id) for s in states] == [(CTM, "25001")]
    assert states[0].pk != theirs.pk
    assert call_sync_targets_refresh() == states  # found again, not duplicated
    with pytest.raises(IntegrityError), transaction.atomic():
        CallSyncState.objects.create(account=account, key=key, provider=CTM, provider_account_id="25001")


def test_the_ctm_sync_task_leaves_another_providers_state_alone(account, key, ctm):
    theirs = CallSyncState.objects.create(account=account, key=key, provider=OTHER, provider_account_id="25001")

    assert ctm_calls_sync_account.apply(args=[theirs.pk]).get() == 0

    theirs.refresh_from_db()
    assert (theirs.lease_until, theirs.last_synced_at, theirs.last_error) == (None, None, "")
    assert not [call for call in ctm.calls if "/calls" in call.request.url]  # CTM was not asked


def test_the_ctm_summary_shows_when_ctm_s_sync_ran_not_another_providers(api, account, key):
    config_save(account=account, key=key, calltracking_account_id="25001")
    url = f"/v1/e/calltrackingmetrics/{key.pk}/accounts/25001/calls/summary?start_date=2026-03-01&end_date=2026-03-07"
    CallSyncState.objects.create(
        account=account,
        key=key,
        provider=OTHER,
        provider_account_id="25001",
        last_synced_at=datetime(2026, 3, 1, tzinfo=UTC),
    )

    assert api.get(url).json()["meta"]["last_synced_at"] is None

    CallSyncState.objects.create(
        account=account,
        key=key,
        provider=CTM,
        provider_account_id="25001",
        last_synced_at=datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert api.get(url).json()["meta"]["last_synced_at"] == "2026-03-05T00:00:00+00:00"
