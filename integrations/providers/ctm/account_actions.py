"""What CTM adds to the Account admin page (through `Provider.account_admin_actions`)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from integrations.providers.ctm.disconnect import ctm_disconnect, global_disconnect_preview

CONFIRMED = "yes"


@admin.action(
    description="Disconnect CallTrackingMetrics globally (disable campaigns, remove credentials)",
    permissions=["change"],
)
def disconnect_ctm_globally(modeladmin, request, queryset) -> TemplateResponse | None:
    """First a page listing what will be disabled and removed; the disconnect runs once it is confirmed."""
    if request.POST.get("confirmed") != CONFIRMED:
        return TemplateResponse(
            request,
            "admin/ctm/disconnect_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": "Disconnect CallTrackingMetrics globally?",
                "opts": modeladmin.model._meta,
                "previews": [global_disconnect_preview(account=account) for account in queryset],
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "confirmed": CONFIRMED,
            },
        )
    for account in queryset:
        result = ctm_disconnect(account=account, user=request.user, global_delete=True)
        modeladmin.message_user(
            request,
            f"{account}: {result.keys_deleted} credential(s) removed, "
            f"{result.campaigns_disabled} campaign(s) and {len(result.endpoints_closed)} webhook(s) disabled.",
            messages.SUCCESS,
        )
    return None
