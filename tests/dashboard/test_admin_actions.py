"""State-changing admin actions call services: rebuilding an account's rollups asks first, then recounts."""

import pytest

from integrations.models import CallDailyRollup, CampaignDailyMetric
from tests.dashboard.api_figures import api_calls, figures, last_30_days
from tests.dashboard.world import build_world

pytestmark = pytest.mark.django_db


def test_rebuilding_rollups_asks_first_then_the_dashboard_equals_the_api_again(admin_client):
    world = build_world(calls_per_provider_account=12)
    account = world.accounts["Acme Dental"]
    counted = sum(CallDailyRollup.objects.filter(account=account).values_list("calls", flat=True))
    CallDailyRollup.objects.filter(account=account).update(calls=0, answered=0)  # rollups gone wrong
    CampaignDailyMetric.objects.filter(campaign__account=account).delete()
    action = {"action": "rebuild_call_rollups", "_selected_action": [account.pk]}

    confirmation = admin_client.post("/admin/accounts/account/", action)

    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "Rebuild call rollups?" in page and "America/New_York" in page and account.name in page
    assert not CampaignDailyMetric.objects.filter(campaign__account=account).exists()  # nothing done yet

    done = admin_client.post("/admin/accounts/account/", {**action, "confirm": "yes"}, follow=True)

    assert f"rollups rebuilt from {counted} calls" in done.content.decode()
    day_range = last_30_days()
    panel = admin_client.get(f"/admin/accounts/account/{account.pk}/change/").context["calls_panel"]
    summary = panel["overview"].summary
    expected = figures(api_calls(account, day_range.start, day_range.end))
    assert (summary["total"], summary["answered"]) == (expected["total"], expected["answered"])
    assert CampaignDailyMetric.objects.filter(campaign__account=account).exists()


def test_the_rebuild_action_needs_the_change_permission(rf, django_user_model, admin_user):
    from django.contrib import admin
    from django.contrib.auth.models import Permission

    from accounts.models import Account

    viewer = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_account"))
    account_admin = admin.site._registry[Account]

    def actions_of(user) -> set[str]:
        request = rf.get("/admin/accounts/account/")
        request.user = user
        return set(account_admin.get_actions(request))

    assert "rebuild_call_rollups" in actions_of(admin_user)
    assert "rebuild_call_rollups" not in actions_of(viewer)
