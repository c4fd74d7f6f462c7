"""Staff views of credentials, configs and campaigns. Secrets are only ever shown redacted."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Max

from ctm_integration.redaction import HIDDEN_HEADERS, redact_headers
from dashboard.object_pages import CampaignCallsAdminMixin
from integrations.models import (
    Call,
    CallSyncState,
    Campaign,
    Key,
    SigningSecret,
    UserConfig,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.providers.ctm.access import key_verify
from integrations.providers.ctm.errors import CtmError
from integrations.providers.ctm.tasks import ctm_calls_sync_account
from integrations.webhooks.processing import webhook_delivery_replay

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
class CampaignAdmin(CampaignCallsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "account", "integration", "ctm_account_id", "status", "created_at"]
    list_filter = ["status", "integration"]
    search_fields = ["name", "account__name", "ctm_account_id"]
    raw_id_fields = ["key"]
    autocomplete_fields = ["account"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "provider_call_id",
        "account",
        "provider_account_id",
        "started_at",
        "status",
        "direction",
        "source",
        "duration",
        "campaign",
    ]
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
    readonly_fields = [
        "account",
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
        for state in queryset:
            ctm_calls_sync_account.delay(state.pk)
        self.message_user(request, f"{queryset.count()} sync(s) queued.", messages.SUCCESS)


class RedactedHeadersMixin:
    @admin.display(description="headers")
    def headers_redacted(self, obj) -> str:
        shown = redact_headers(obj.headers or {}, hidden=HIDDEN_HEADERS)
        return "\n".join(f"{name}: {value}" for name, value in sorted(shown.items()))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RedactedHeadersMixin, admin.ModelAdmin):
    list_display = ["id", "provider", "received_at", "status", "valid", "error_code", "event", "account", "endpoint"]
    list_filter = ["provider", "status", "valid", "event", "endpoint"]
    search_fields = ["id", "error_code", "last_error", "dedupe_key"]
    date_hierarchy = "received_at"
    list_select_related = ["account", "endpoint"]
    actions = ["replay"]
    fields = [
        "id",
        "provider",
        "received_at",
        "remote_ip",
        "path",
        "query_string",
        "headers_redacted",
        "body_text",
        "body_size",
        "body_sha256",
        "valid",
        "status",
        "error_code",
        "event",
        "account",
        "endpoint",
        "attempts",
        "next_attempt_at",
        "processed_at",
        "last_error",
        "traceback",
        "resulting_calls",
    ]
    readonly_fields = fields

    @admin.display(description="body")
    def body_text(self, obj: WebhookDelivery) -> str:
        text = bytes(obj.body).decode("utf-8", errors="replace")
        kept = len(bytes(obj.body))
        if obj.body_size > kept:
            text += f"\n\n[rejected delivery: only the first {kept} of {obj.body_size} bytes were kept]"
        return text

    @admin.display(description="calls")
    def resulting_calls(self, obj: WebhookDelivery) -> str:
        return ", ".join(f"{c.provider_call_id} ({c.status})" for c in obj.calls.all()) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only: the raw delivery is evidence

    @admin.action(description="Replay (process again)")
    def replay(self, request, queryset):
        queued = sum(webhook_delivery_replay(delivery=d) for d in queryset)
        self.message_user(request, f"{queued} delivery(ies) queued; invalid ones are never replayed.", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "account",
        "provider",
        "provider_account_id",
        "campaign",
        "status",
        "ctm_webhook_ids",
        "last_delivery_at",
    ]
    list_filter = ["provider", "status", "require_signature"]
    search_fields = ["id", "provider_account_id", "account__name"]
    fields = [
        "id",
        "account",
        "provider",
        "key",
        "campaign",
        "provider_account_id",
        "events",
        "provider_webhook_ids",
        "basic_username_redacted",
        "basic_password_redacted",
        "require_signature",
        "status",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f not in ("require_signature", "status")]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_delivery=Max("deliveries__received_at"))

    @admin.display(description="last delivery", ordering="last_delivery")
    def last_delivery_at(self, obj) -> object:
        return obj.last_delivery

    @admin.display(description="CTM webhook ids")
    def ctm_webhook_ids(self, obj: WebhookEndpoint) -> str:
        return ", ".join(f"{event}: {hook}" for event, hook in obj.provider_webhook_ids.items()) or "—"

    @admin.display(description="basic-auth username")
    def basic_username_redacted(self, obj: WebhookEndpoint) -> str:
        return _redacted(obj.basic_username)

    @admin.display(description="basic-auth password")
    def basic_password_redacted(self, obj: WebhookEndpoint) -> str:
        return _redacted(obj.basic_password)

    def has_add_permission(self, request) -> bool:
        return False  # registered through the API, which also registers them at CTM


class SigningSecretForm(forms.ModelForm):
    """Secrets are typed in, never shown back: an empty field keeps the stored value."""

    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    previous_secret = forms.CharField(widget=forms.PasswordInput, required=False)

    class Meta:
        model = SigningSecret
        fields = ["provider", "provider_account_id", "secret", "previous_secret"]

    def clean_secret(self) -> str:
        value = self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")
        if not value:
            raise forms.ValidationError("A signing secret is required.")
        return value

    def clean_previous_secret(self) -> str:
        return self.cleaned_data["previous_secret"] or (self.instance.previous_secret if self.instance.pk else "")


@admin.register(SigningSecret)
class SigningSecretAdmin(admin.ModelAdmin):
    form = SigningSecretForm
    list_display = ["provider", "provider_account_id", "rotating", "updated_at"]
    search_fields = ["provider_account_id"]

    @admin.display(boolean=True, description="previous secret still accepted")
    def rotating(self, obj: SigningSecret) -> bool:
        return bool(obj.previous_secret)
