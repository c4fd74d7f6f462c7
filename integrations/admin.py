"""Staff views of credentials, configs and campaigns. Secrets are only ever shown redacted."""

from django.contrib import admin, messages

from integrations.models import Call, CallSyncState, Campaign, Key, UserConfig
from integrations.providers.ctm.access import key_verify
from integrations.providers.ctm.errors import CtmError

REDACTED = "•••••••• (set)"


def _redacted(value: str) -> str:
    return REDACTED if value else "—"


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "username", "auth_scheme", "token_invalidated", "deleted", "created_at"]
    list_filter = ["token_invalidated", "auth_scheme", ("deleted", admin.EmptyFieldListFilter)]
    search_fields = ["id", "account__name"]
    fields = [
        "id",
        "account",
        "connected_by",
        "username",
        "password_redacted",
        "access_key_redacted",
        "secret_redacted",
        "auth_scheme",
        "token_expires_at",
        "ctm_default_account_id",
        "token_invalidated",
        "invalidated_at",
        "deleted",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["verify_with_ctm"]

    @admin.display(description="password")
    def password_redacted(self, obj: Key) -> str:
        return _redacted(obj.password)

    @admin.display(description="access key")
    def access_key_redacted(self, obj: Key) -> str:
        return _redacted(obj.access_key)

    @admin.display(description="secret")
    def secret_redacted(self, obj: Key) -> str:
        return _redacted(obj.secret)

    def has_add_permission(self, request) -> bool:
        return False  # credentials come from connecting at CTM, through the API

    @admin.action(description="Verify with CTM")
    def verify_with_ctm(self, request, queryset):
        for key in queryset.select_related("account"):
            try:
                valid = key_verify(key=key)
            except CtmError as exc:
                self.message_user(request, f"{key}: could not verify ({exc}).", messages.WARNING)
                continue
            if valid:
                self.message_user(request, f"{key}: CTM accepts these credentials.", messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    f"{key}: CTM refused them; the account's credentials are marked invalidated.",
                    messages.ERROR,
                )


@admin.register(UserConfig)
class UserConfigAdmin(admin.ModelAdmin):
    list_display = ["account", "calltracking_account_id", "calltracking_sub_account_id", "key", "deleted"]
    list_filter = [("deleted", admin.EmptyFieldListFilter)]
    search_fields = ["account__name", "calltracking_account_id", "calltracking_sub_account_id"]
    raw_id_fields = ["key"]
    autocomplete_fields = ["account"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "integration", "ctm_account_id", "status", "created_at"]
    list_filter = ["status", "integration"]
    search_fields = ["name", "account__name", "ctm_account_id"]
    raw_id_fields = ["key"]
    autocomplete_fields = ["account"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "provider_call_id", "account", "provider_account_id", "started_at", "status", "direction", "source",
        "duration", "campaign",
    ]  # fmt: skip
    list_filter = ["provider", "status", "direction", "is_first_time_caller"]
    search_fields = ["provider_call_id", "caller_number", "tracking_number", "account__name"]
    date_hierarchy = "started_at"
    list_select_related = ["account", "campaign"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # calls come from CTM (sync and webhooks), never typed in


@admin.register(CallSyncState)
class CallSyncStateAdmin(admin.ModelAdmin):
    list_display = ["provider_account_id", "account", "last_synced_at", "calls_synced", "watermark", "last_error"]
    search_fields = ["provider_account_id", "account__name"]
    readonly_fields = ["account", "key", "provider_account_id", "last_synced_at", "calls_synced", "lease_until",
                       "created_at", "updated_at"]  # fmt: skip
    actions = ["sync_now"]

    def has_add_permission(self, request) -> bool:
        return False  # created from configs by the periodic sync

    @admin.action(description="Sync calls now (in the background)")
    def sync_now(self, request, queryset):
        from integrations.tasks import ctm_calls_sync_account

        for state in queryset:
            ctm_calls_sync_account.delay(state.pk)
        self.message_user(request, f"{queryset.count()} sync(s) queued.", messages.SUCCESS)
