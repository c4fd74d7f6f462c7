"""DELETE /v1/e/calltrackingmetrics/auth: campaign preservation, and ?global=true."""

import pytest

from integrations.models import Campaign, Key, UserConfig
from integrations.providers.ctm.credentials import config_save
from notifications.models import Notification
from tests.conftest import connect_ctm

pytestmark = pytest.mark.django_db

AUTH_URL = "/v1/e/calltrackingmetrics/auth"


@pytest.fixture
def connected(api, ctm, account) -> Key:
    key = Key.objects.get(pk=connect_ctm(api, ctm).json()["data"]["token"])
    config_save(account=account, key=key, calltracking_account_id="25001")
    return key


def make_campaign(account, key, status=Campaign.Status.ACTIVE) -> Campaign:
    return Campaign.objects.create(account=account, name="Spring", key=key, ctm_account_id="25001", status=status)


def test_without_active_campaigns_config_and_credentials_are_soft_deleted(api, connected, account):
    make_campaign(account, connected, status=Campaign.Status.PAUSED)

    response = api.delete(AUTH_URL)

    assert response.status_code == 200
    assert response.json()["data"] == {
        "global": False,
        "config_deleted": True,
        "credentials_deleted": 1,
        "credentials_preserved": 0,
        "campaigns_disabled": 0,
        "webhooks_disabled": 0,
    }
    connected.refresh_from_db()
    assert connected.deleted is not None
    assert UserConfig.objects.get(account=account).deleted is not None
    assert api.get(AUTH_URL).json()["data"] == []


def test_active_campaigns_preserve_the_credentials_and_only_the_config_goes(api, connected, account):
    campaign = make_campaign(account, connected)

    response = api.delete(AUTH_URL)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["config_deleted"], data["credentials_deleted"], data["credentials_preserved"]) == (True, 0, 1)
    connected.refresh_from_db()
    assert connected.deleted is None
    assert UserConfig.objects.alive().filter(account=account).count() == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_global_disconnect_disables_campaigns_and_removes_credentials_even_when_in_use(api, connected, account):
    active = make_campaign(account, connected)
    paused = make_campaign(account, connected, status=Campaign.Status.PAUSED)

    response = api.delete(f"{AUTH_URL}?global=true")

    assert response.status_code == 200
    assert response.json()["data"]["campaigns_disabled"] == 2
    assert response.json()["data"]["credentials_deleted"] == 1
    for campaign in (active, paused):
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.DISABLED
    connected.refresh_from_db()
    assert connected.deleted is not None
    # Soft delete: the row (and its encrypted secrets) stays for audit.
    assert connected.access_key


def test_disconnect_only_touches_the_callers_account(api, connected, make_account, ctm):
    from tests.conftest import api_client_for, owner_of

    other = make_account("Neighbour")
    other_key = Key.objects.get(pk=connect_ctm(api_client_for(owner_of(other), other), ctm).json()["data"]["token"])
    other_campaign = make_campaign(other, other_key)

    api.delete(f"{AUTH_URL}?global=true")

    other_key.refresh_from_db()
    other_campaign.refresh_from_db()
    assert other_key.deleted is None and other_campaign.status == Campaign.Status.ACTIVE


def test_disconnecting_records_the_notification(api, connected, account):
    api.delete(AUTH_URL)
    notification = Notification.objects.get(event="integration_disconnected")
    assert notification.account == account
    assert notification.context["integration"] == "calltrackingmetrics"


def test_disconnecting_when_not_connected_is_404(api):
    response = api.delete(AUTH_URL)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_CONNECTED"


def test_global_must_be_a_boolean(api, connected):
    response = api.delete(f"{AUTH_URL}?global=maybe")
    assert response.status_code == 400
    assert "global" in response.json()["errors"]
