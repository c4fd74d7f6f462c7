"""What CTM adds to the Account admin page (through `Provider.account_admin_actions`)."""

from django.contrib import admin, messages

from integrations.providers.ctm.disconnect import ctm_disconnect


@admin.action(description="Disconnect CallTrackingMetrics globally (disable campaigns, remove credentials)")
def disconnect_ctm_globally(modeladmin, request, queryset) -> None:
    for account in queryset:
        result = ctm_disconnect(account=account, user=request.user, global_delete=True)
        modeladmin.message_user(
            request,
            f"{account}: {result.keys_deleted} credential(s) removed, "
            f"{result.campaigns_disabled} campaign(s) and {len(result.endpoints_closed)} webhook(s) disabled.",
            messages.SUCCESS,
        )
