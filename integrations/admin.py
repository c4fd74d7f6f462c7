"""Staff views of campaigns, calls, webhook endpoints and deliveries, signing secrets. Secrets are only ever
shown redacted. A provider's own records (CTM's credentials, configs, sync) are in its folder's admin."""

from django import forms
from django.contrib import admin, messages

from ctm_integration.redaction import HIDDEN_HEADERS, redact_headers
from dashboard.object_pages import CampaignCallsAdminMixin
from integrations.call_edits import (
    EDITABLE_FIELDS,
    MAX_NOTES_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    call_edit,
    tags_normalized,
)
from integrations.endpoint_admin import WebhookEndpointAdmin  # noqa: F401  (endpoints of every provider)
from integrations.models import Call, Campaign, SigningSecret, WebhookDelivery
from integrations.providers.registry import provider_choices
from integrations.webhooks.processing import webhook_delivery_replay


class CampaignForm(forms.ModelForm):
    integration = forms.ChoiceField(choices=provider_choices, help_text="The provider whose calls it claims")

    class Meta:
        model = Campaign
        fields = ["account", "name", "integration", "key", "ctm_account_id", "tracking_numbers", "status"]


@admin.register(Campaign)
class CampaignAdmin(CampaignCallsAdminMixin, admin.ModelAdmin):
    form = CampaignForm
    list_display = ["name", "account", "integration", "ctm_account_id", "status", "created_at"]
    list_filter = ["status", "integration"]
    search_fields = ["name", "account__name", "ctm_account_id"]
    raw_id_fields = ["key"]
    autocomplete_fields = ["account"]


class CallEditForm(forms.ModelForm):
    """What staff may edit on a call: what people edit by hand (the same rules as the API's PATCH)."""

    tags = forms.CharField(
        required=False,
        help_text=f"Comma-separated; at most {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters, each kept once.",
    )
    sale_value = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, help_text="Empty: no sale."
    )
    notes = forms.CharField(required=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea)

    class Meta:
        model = Call
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["tags"] = ", ".join(self.instance.tags)

    def clean_tags(self) -> list[str]:
        tags = tags_normalized(self.cleaned_data["tags"].split(","))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags.")
        too_long = [tag for tag in tags if len(tag) > MAX_TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(f"A tag has at most {MAX_TAG_LENGTH} characters: {too_long[0][:80]}…")
        return tags


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
    form = CallEditForm

    def get_readonly_fields(self, request, obj=None):
        # Only what people edit by hand: the rest is the provider's data.
        return [f.name for f in self.model._meta.fields if f.name not in EDITABLE_FIELDS]

    def has_add_permission(self, request) -> bool:
        return False  # calls come from providers (sync and webhooks), never typed in

    def save_model(self, request, obj: Call, form: CallEditForm, change: bool) -> None:
        """Through the same service as the API: the edit is published as a manual change."""
        call_edit(call=obj, edited_by=request.user, **{name: form.cleaned_data[name] for name in EDITABLE_FIELDS})


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


class SigningSecretForm(forms.ModelForm):
    """Secrets are typed in, never shown back: an empty field keeps the stored value."""

    provider = forms.ChoiceField(choices=provider_choices)
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
