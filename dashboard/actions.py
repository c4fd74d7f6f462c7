"""Admin actions of the dashboard app. They ask, then call a service: no logic of their own."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse

from integrations.call_services import call_rollups_rebuild
from integrations.models import CallDailyRollup


@admin.action(description="Rebuild call rollups from the stored calls", permissions=["change"])
def rebuild_call_rollups(modeladmin, request: HttpRequest, queryset):
    """Accounts: recount their daily/hourly/campaign rollups from their calls, after a confirmation page
    that says what is counted now (the rollups are replaced, which can take a while for large accounts)."""
    accounts = list(queryset.order_by("name"))
    if request.POST.get("confirm") == "yes":
        for account in accounts:
            calls = call_rollups_rebuild(account=account)
            modeladmin.message_user(request, f"{account}: rollups rebuilt from {calls:,} calls.", messages.SUCCESS)
        return None
    counted = dict(
        CallDailyRollup.objects.filter(account__in=accounts)
        .values("account_id")
        .annotate(calls=Sum("calls"))
        .values_list("account_id", "calls")
        .order_by()
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Rebuild call rollups?",
        "opts": modeladmin.model._meta,
        "rows": [(account, counted.get(account.pk) or 0) for account in accounts],
        "action": "rebuild_call_rollups",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "dashboard/rebuild_rollups_confirm.html", context)
