"""Staff views of CTM's credentials, configs and call sync. Secrets are only ever shown redacted."""

from django.contrib import admin, messages

from ctm_integration.redaction import secret_shown
from integrations.models import CallSyncState, Key, UserConfig
from integrations.providers.ctm.access import key_verify
from integrations.providers.ctm.errors import CtmError
from integrations.providers.ctm.normalize import SLUG
from integrations.providers.ctm.tasks import ctm_calls_sync_account


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
        return secret_shown(obj.password)

    @admin.display(description="access key")
    def access_key_redacted(self, obj: Key) -> str:
        return secret_shown(obj.access_key)

    @admin.display(description="secret")
    def secret_redacted(self, obj: Key) -> str:
        return secret_shown(obj.secret)

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
    list_display = ["account", "provider", "calltracking_account_id", "calltracking_sub_account_id", "key", "deleted"]
    list_filter = ["provider", ("deleted", admin.EmptyFieldListFilter)]
    search_fields = ["account__name", "calltracking_account_id", "calltracking_sub_account_id"]
    readonly_fields = ["provider"]  # its key is a CTM key: configs are CTM's until another provider has them
    raw_id_fields = ["key"]
    autocomplete_fields = ["account"]


@admin.register(CallSyncState)
class CallSyncStateAdmin(admin.ModelAdmin):
    list_display = [
        "provider_account_id",
        "provider",
        "account",
        "last_synced_at",
        "calls_synced",
        "watermark",
        "last_error",
    ]
    list_filter = ["provider"]
    search_fields = ["provider_account_id", "account__name"]
    readonly_fields = [
        "account",
        "provider",
        "key",
        "provider_account_id",
        "last_synced_at",
        "calls_synced",
        "lease_until",
        "created_at",
        "updated_at",
    ]
    actions = ["sync_now"]

    def has_add_permission(self, request) -> bool:
        return False  # created from configs by the periodic sync

    @admin.action(description="Sync calls now (in the background)")
    def sync_now(self, request, queryset):
        states = list(queryset.filter(provider=SLUG))
        for state in states:
            ctm_calls_sync_account.delay(state.pk)
        self.message_user(request, f"{len(states)} sync(s) queued.", messages.SUCCESS)
        if skipped := queryset.count() - len(states):
            self.message_user(request, f"{skipped} sync(s) of other providers skipped.", messages.WARNING)
