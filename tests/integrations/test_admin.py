"""Staff in the admin: creating accounts, verifying keys with CTM, disconnecting globally."""

import pytest
import responses

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

    admin_client.post(
        "/admin/accounts/account/", {"action": "disconnect_ctm_globally", "_selected_action": [account.pk]}
    )

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DISABLED
    assert Key.objects.get().deleted is not None
