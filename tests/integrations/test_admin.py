"""Staff in the admin: creating accounts, verifying keys with CTM, disconnecting globally."""

import pytest
import responses
from django.contrib.auth.models import Permission

from accounts.models import Account
from integrations.models import Campaign, Key
from tests.conftest import connect_ctm, ctm_url, load_fixture

pytestmark = pytest.mark.django_db


def test_staff_create_an_account_with_its_owner(admin_client):
    response = admin_client.post(
        "/admin/accounts/account/add/",
        {
            "name": "Admin-made",
            "timezone": "Europe/Paris",
            "owner_email": "new@owner.example",
            "owner_password": "Str0ng-pass!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Account.objects.get(name="Admin-made")
    assert account.memberships.get().user.email == "new@owner.example"


def test_a_new_owner_without_password_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/accounts/account/add/", {"name": "X", "timezone": "UTC", "owner_email": "n@o.example"}
    )
    assert response.status_code == 200
    assert "A new owner needs a password." in response.content.decode()
    assert not Account.objects.filter(name="X").exists()


def test_verify_with_ctm_marks_a_refused_key_invalidated(admin_client, api, ctm):
    connect_ctm(api, ctm)
    key = Key.objects.get()
    ctm.add(responses.GET, ctm_url("/accounts.json"), status=401)

    response = admin_client.post(
        "/admin/integrations/key/", {"action": "verify_with_ctm", "_selected_action": [key.pk]}, follow=True
    )

    assert "CTM refused them" in response.content.decode()
    key.refresh_from_db()
    assert key.token_invalidated is True


def test_verify_with_ctm_clears_invalidation_when_ctm_accepts(admin_client, api, ctm):
    connect_ctm(api, ctm)
    Key.objects.update(token_invalidated=True)
    ctm.add(responses.GET, ctm_url("/accounts.json"), json=load_fixture("ctm", "accounts__list"))

    response = admin_client.post(
        "/admin/integrations/key/",
        {"action": "verify_with_ctm", "_selected_action": [Key.objects.get().pk]},
        follow=True,
    )

    assert "CTM accepts these credentials" in response.content.decode()
    assert Key.objects.get().token_invalidated is False


def test_disconnect_globally_from_the_admin_uses_the_same_rules(admin_client, api, ctm, account):
    connect_ctm(api, ctm)
    campaign = Campaign.objects.create(account=account, name="Live", key=Key.objects.get())

    action = {"action": "disconnect_ctm_globally", "_selected_action": [account.pk]}

    confirmation = admin_client.post("/admin/accounts/account/", action)

    # First the page that lists what will be disabled; nothing has changed yet.
    assert confirmation.status_code == 200
    assert [c.name for c in confirmation.context["previews"][0].campaigns] == ["Live"]
    assert confirmation.context["previews"][0].credentials == 1
    assert "Yes, disconnect" in confirmation.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE and Key.objects.get().deleted is None

    admin_client.post("/admin/accounts/account/", {**action, "confirmed": "yes"})

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DISABLED
    assert Key.objects.get().deleted is not None


def test_staff_who_may_only_view_accounts_are_not_offered_the_disconnect(client, account, django_user_model):
    viewer = django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(viewer)
    campaign = Campaign.objects.create(account=account, name="Live")

    page = client.get("/admin/accounts/account/").content.decode()
    refused = client.post(
        "/admin/accounts/account/",
        {"action": "disconnect_ctm_globally", "_selected_action": [account.pk], "confirmed": "yes"},
        follow=True,
    )

    assert 'value="disconnect_ctm_globally"' not in page
    assert refused.status_code == 200  # the list again, the action unknown to them
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_changing_an_accounts_timezone_rebuilds_its_rollups(admin_client, account):
    from datetime import UTC, date, datetime

    from integrations.call_changes import Origin
    from integrations.call_services import call_upsert
    from integrations.events import CallEvent, CallEventKind, CallStatus
    from integrations.models import CallDailyRollup

    call_upsert(
        account=account,
        origin=Origin.DELIVERY,
        event=CallEvent(
            provider="calltrackingmetrics",
            provider_call_id="1",
            provider_account_id="25001",
            kind=CallEventKind.COMPLETED,
            started_at=datetime(2026, 3, 8, 3, 0, tzinfo=UTC),
            status=CallStatus.ANSWERED,
        ),
    )
    assert CallDailyRollup.objects.get().day == date(2026, 3, 8)  # UTC

    response = admin_client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "name": account.name,
            "timezone": "America/Los_Angeles",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert CallDailyRollup.objects.get().day == date(2026, 3, 7)


def test_calls_and_sync_states_are_listed_for_staff(admin_client, api, ctm, account):
    from datetime import UTC, datetime

    from integrations.models import Call, CallSyncState

    connect_ctm(api, ctm)
    Call.objects.create(
        account=account,
        provider="calltrackingmetrics",
        provider_call_id="CALL-4242",
        provider_account_id="25001",
        started_at=datetime(2026, 3, 8, tzinfo=UTC),
        status="missed",
    )
    CallSyncState.objects.create(
        account=account, key=Key.objects.get(), provider_account_id="25001", last_error="CtmRateLimited: slow down"
    )

    assert "CALL-4242" in admin_client.get("/admin/integrations/call/").content.decode()
    assert "CtmRateLimited: slow down" in admin_client.get("/admin/integrations/callsyncstate/").content.decode()


def test_the_account_page_offers_what_each_provider_adds(admin_client, account):
    page = admin_client.get("/admin/accounts/account/").content.decode()

    assert 'value="disconnect_ctm_globally"' in page  # declared by CTM's folder, through the registry


def test_ctm_s_admin_pages_render_from_its_folder(admin_client, api, ctm, account):
    from integrations.models import CallSyncState, UserConfig
    from integrations.providers.ctm.credentials import config_save

    connect_ctm(api, ctm)
    key = Key.objects.get()
    config = config_save(account=account, key=key, calltracking_account_id="25001")
    CallSyncState.objects.create(account=account, key=key, provider_account_id="25001")

    for path in ("key", "userconfig", "callsyncstate"):
        assert admin_client.get(f"/admin/integrations/{path}/").status_code == 200, path
    page = admin_client.get(f"/admin/integrations/key/{key.pk}/change/").content.decode()
    assert key.secret not in page and key.access_key not in page and "(set)" in page
    assert admin_client.get(f"/admin/integrations/userconfig/{config.pk}/change/").status_code == 200
    assert UserConfig.objects.get().provider == "calltrackingmetrics"


def test_signing_secrets_and_campaigns_take_a_provider_of_the_registry(admin_client, account):
    from integrations.models import SigningSecret

    refused = admin_client.post(
        "/admin/integrations/signingsecret/add/",
        {"provider": "nobody", "provider_account_id": "25001", "secret": "s3cret-signing-value"},
    )
    assert refused.status_code == 200 and not SigningSecret.objects.exists()

    added = admin_client.post(
        "/admin/integrations/signingsecret/add/",
        {"provider": "callrail", "provider_account_id": "25001", "secret": "s3cret-signing-value"},
    )
    assert added.status_code == 302
    assert SigningSecret.objects.get().provider == "callrail"

    form = admin_client.get("/admin/integrations/campaign/add/").content.decode()
    assert 'value="marketingedge"' in form and 'value="calltrackingmetrics"' in form
