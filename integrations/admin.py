"""Staff views of credentials, configs and campaigns. Secrets are only ever shown redacted."""

from django.contrib import admin, messages

from integrations.models import Campaign, Key, UserConfig
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
