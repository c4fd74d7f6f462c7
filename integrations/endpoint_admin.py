"""Staff's webhook endpoints of any provider: added and changed through the same services as the API
(`integrations.webhooks.endpoints`), never by saving the model directly.

A generated secret (a signing secret, a query or header token, a Basic login) is shown once, on the
page that answers the save that generated it, and never again: every other page shows secrets
redacted. Endpoints a provider registers itself (CTM's) are not added here: the add form says where.

Django's admin validates a form and then saves it, with no way back to the form in between; the
services validate while they save. So the forms call the service in `clean()` (inside the admin's
transaction), and what it refuses becomes an error on the form's field.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.models import Account
from ctm_integration.redaction import secret_shown
from integrations.endpoint_views import endpoint_url, event_urls
from integrations.models import Campaign, WebhookEndpoint
from integrations.providers.registry import PROVIDERS, UnknownProvider, provider_for
from integrations.webhooks.endpoints import (
    DEFAULT_HEADER_NAME,
    SECRET_SCHEMES,
    webhook_endpoint_create,
    webhook_endpoint_deactivate,
    webhook_endpoint_update,
)

HEADER_NAME = r"^[A-Za-z0-9-]{1,100}$"  # as the API's header_name
REVEALED_LABELS = {
    "signing_secret": "Signing secret",
    "credential": "Token",
    "basic_username": "Basic-auth username",
    "basic_password": "Basic-auth password",
}
REVEALED_ONCE_TEMPLATE = "admin/integrations/webhookendpoint/revealed_once.html"
MODEL_FIELDS = [field.name for field in WebhookEndpoint._meta.fields]


def _offered() -> list:
    """Providers whose endpoints are created here: those that do not register their webhooks themselves."""
    return [p for p in PROVIDERS if not p.features.get("registration")]


def _registered_elsewhere() -> str:
    return " ".join(
        f"{p.name} endpoints are created by registering a webhook at {p.name}: {p.features['registration']}."
        for p in PROVIDERS
        if p.features.get("registration")
    )


def _auth_help() -> str:
    return "; ".join(f"{p.name}: {', '.join(p.auth)}" for p in _offered()) + " (the first is the default)."


def _field_map_help() -> str:
    mapped = ", ".join(p.name for p in _offered() if p.features.get("field_map")) or "none"
    return (
        f"JSON, our field -> dotted path into the payload; only for providers whose deliveries are mapped ({mapped})."
    )


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return f"{obj.name} ({obj.account})"


def _form_errors(form: forms.Form, exc: ValidationError, *, fields: dict[str, str]) -> None:
    """The service's refusal, on the form's fields (`fields`: the service's name -> the form's)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        field = fields.get(name, name)
        form.add_error(field if field in form.fields else None, errors)


class ServiceForm(forms.ModelForm):
    """A form for the admin whose data goes to a service: it sets no field of the model and leaves
    the model's validation to the service too (the admin needs a ModelForm all the same)."""

    class Meta:
        model = WebhookEndpoint
        exclude = MODEL_FIELDS  # noqa: DJ006  (every field, by construction: none is exposed or set here)


class EndpointAddForm(ServiceForm):
    """A new endpoint, created by `webhook_endpoint_create` with what the API takes."""

    provider = forms.ChoiceField()
    account = forms.ModelChoiceField(queryset=Account.objects.all())
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.select_related("account"),
        required=False,
        help_text="Deliveries' calls and leads that no tracking number attributes go to this campaign "
        "(one of the account's).",
    )
    name = forms.CharField(max_length=200, required=False)
    auth = forms.ChoiceField(required=False, help_text="How deliveries authenticate. ")
    signing_secret = forms.CharField(
        widget=forms.PasswordInput,
        min_length=16,
        max_length=512,
        required=False,
        help_text="For providers that sign: the provider's own signing key, if it gives one; "
        "leave it blank and one is generated, shown once.",
    )
    public_key = forms.CharField(
        max_length=512,
        required=False,
        help_text="A static header value deliveries must carry, if the provider sends one.",
    )
    field_map = forms.JSONField(required=False)
    header_name = forms.RegexField(
        HEADER_NAME,
        required=False,
        help_text=f"header_token endpoints: the header that carries the token (default {DEFAULT_HEADER_NAME}).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "---------")] + [(p.slug, p.name) for p in _offered()]
        self.fields["provider"].help_text = _registered_elsewhere()
        schemes = sorted({scheme for p in _offered() for scheme in p.auth})
        self.fields["auth"].choices = [("", "The provider's default")] + [(s, s) for s in schemes]
        self.fields["auth"].help_text += _auth_help()
        self.fields["field_map"].help_text = _field_map_help()
        self.created = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.created = webhook_endpoint_create(
                account=data["account"],
                provider=data["provider"],
                campaign=data.get("campaign"),
                name=data.get("name", ""),
                auth=data.get("auth", ""),
                signing_secret=data.get("signing_secret", ""),
                public_key=data.get("public_key", ""),
                field_map=data.get("field_map"),
                header_name=data.get("header_name", ""),
            )
        except ValidationError as exc:
            _form_errors(self, exc, fields={"campaign_id": "campaign"})
        return data


class EndpointChangeForm(ServiceForm):
    """What people may change, through `webhook_endpoint_update`: only the fields that changed are passed."""

    name = forms.CharField(max_length=200, required=False)
    campaign = CampaignChoiceField(queryset=Campaign.objects.none(), required=False)
    active = forms.BooleanField(required=False, help_text="Deliveries to a deactivated endpoint answer 410.")
    field_map = forms.JSONField(required=False, help_text="Our field -> dotted path into the payload.")
    new_signing_secret = forms.CharField(
        widget=forms.PasswordInput,
        min_length=16,
        max_length=512,
        required=False,
        help_text="Replaces the signing secret; the previous one keeps working for 24 hours.",
    )
    generate_signing_secret = forms.BooleanField(
        required=False,
        help_text="Generate a new signing secret (shown once); the previous one keeps working for 24 hours.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        endpoint = self.instance
        for name in set(self.fields) - set(editable_fields(endpoint)):
            del self.fields[name]
        self.fields["campaign"].queryset = Campaign.objects.filter(account_id=endpoint.account_id).select_related(
            "account"
        )
        self.initial.update(
            name=endpoint.name,
            campaign=endpoint.campaign_id,
            active=endpoint.status == WebhookEndpoint.Status.ACTIVE,
            field_map=endpoint.field_map,
        )
        self.updated = None

    def changes(self) -> dict:
        data, changed = self.cleaned_data, set(self.changed_data)
        wanted = {name: data[name] for name in ("name", "campaign", "active", "field_map") if name in changed}
        if data.get("new_signing_secret"):
            wanted["signing_secret"] = data["new_signing_secret"]
        elif data.get("generate_signing_secret"):
            wanted["signing_secret"] = ""  # the service generates one
        return wanted

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("new_signing_secret") and data.get("generate_signing_secret"):
            self.add_error("generate_signing_secret", "Give a new signing secret or generate one, not both.")
            return data
        changes = self.changes()
        if not changes:
            return data
        try:
            # A fresh copy: a refusal half-way must not leave the page's object half-changed.
            endpoint = WebhookEndpoint.objects.get(pk=self.instance.pk)
            self.updated = webhook_endpoint_update(endpoint=endpoint, **changes)
        except ValidationError as exc:
            _form_errors(self, exc, fields={"campaign_id": "campaign", "signing_secret": "new_signing_secret"})
        return data


def editable_fields(endpoint: WebhookEndpoint) -> list[str]:
    """What the change form offers for this endpoint: an endpoint the provider registered is switched
    and rotated there, a field map only where the provider maps deliveries, a secret only where it signs."""
    fields = ["name", "campaign"]
    try:
        spec = provider_for(endpoint.provider)
    except UnknownProvider:  # a provider no longer in the registry: its endpoint is only renamed or moved
        return fields
    if spec.features.get("registration"):
        return fields
    fields.append("active")
    if spec.features.get("field_map"):
        fields.append("field_map")
    if endpoint.auth in SECRET_SCHEMES:
        fields += ["new_signing_secret", "generate_signing_secret"]
    return fields


ADD_FIELDS = [
    "provider",
    "account",
    "campaign",
    "name",
    "auth",
    "signing_secret",
    "public_key",
    "field_map",
    "header_name",
]
SHOWN_FIELDS = [
    "id",
    "account",
    "provider",
    "receiving_path",
    "status",
    "events",
    "auth",
    "signing_secret_redacted",
    "previous_signing_secret_redacted",
    "credential_redacted",
    "header_name",
    "public_key",
    "basic_username_redacted",
    "basic_password_redacted",
    "require_signature",
    "key",
    "provider_account_id",
    "provider_webhook_ids",
    "created_at",
    "updated_at",
]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "account",
        "provider",
        "provider_account_id",
        "campaign",
        "status",
        "webhook_ids_at_provider",
        "last_delivery_at",
    ]
    list_filter = ["provider", "status", "require_signature"]
    search_fields = ["id", "name", "provider_account_id", "account__name"]
    list_select_related = ["account", "campaign"]
    actions = ["deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_delivery=Max("deliveries__received_at"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        return EndpointChangeForm if obj is not None else EndpointAddForm

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else [*editable_fields(obj), *SHOWN_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else SHOWN_FIELDS

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: deliveries keep pointing at it, and the provider hears 410

    # --- saving goes through the services (the forms called them; see the module's docstring) -----

    def save_form(self, request, form, change):
        result = form.updated if change else form.created
        if result is None:  # a change form with nothing changed
            return form.instance
        result.endpoint.revealed_once = result.revealed
        return result.endpoint

    def save_model(self, request, obj, form, change) -> None:
        pass  # saved by the service

    def save_related(self, request, form, formsets, change) -> None:
        pass

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "revealed_once", None):
            return self._revealed_once(request, obj, verb="created")
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(obj, "revealed_once", None):
            return self._revealed_once(request, obj, verb="changed")
        return super().response_change(request, obj)

    def _revealed_once(self, request, endpoint: WebhookEndpoint, *, verb: str) -> TemplateResponse:
        """The one page that shows what was generated: the secrets are in this answer only (no message
        kept in a session or a cookie, no redirect that would need them stored)."""
        url = endpoint_url(endpoint, request=request, with_credential=True)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Webhook endpoint {verb}: copy its credentials now",
            "endpoint": endpoint,
            "verb": verb,
            "url": url,
            "urls": event_urls(endpoint, url=url) or {},
            "revealed": [(REVEALED_LABELS.get(name, name), value) for name, value in endpoint.revealed_once.items()],
            "change_url": reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]),
            "list_url": reverse("admin:integrations_webhookendpoint_changelist"),
        }
        return TemplateResponse(request, REVEALED_ONCE_TEMPLATE, context)  # never cached: admin views are not

    # --- actions ------------------------------------------------------------------------------------

    @admin.action(description="Deactivate (deliveries then answer 410)")
    def deactivate(self, request, queryset):
        done = 0
        for endpoint in queryset:
            try:
                webhook_endpoint_deactivate(endpoint=endpoint)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{endpoint}: {' '.join(exc.messages)}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} endpoint(s) deactivated.", messages.SUCCESS)

    # --- what the pages show --------------------------------------------------------------------------

    @admin.display(description="last delivery", ordering="last_delivery")
    def last_delivery_at(self, obj) -> object:
        return obj.last_delivery

    @admin.display(description="webhook ids at the provider")
    def webhook_ids_at_provider(self, obj: WebhookEndpoint) -> str:
        return ", ".join(f"{event}: {hook}" for event, hook in obj.provider_webhook_ids.items()) or "—"

    @admin.display(description="receives at")
    def receiving_path(self, obj: WebhookEndpoint) -> str:
        path = reverse("provider-webhook", kwargs={"provider": obj.provider, "endpoint_id": obj.pk})
        return f"{path} (+ ?token=…)" if obj.auth == "query_token" else path

    @admin.display(description="signing secret")
    def signing_secret_redacted(self, obj: WebhookEndpoint) -> str:
        return secret_shown(obj.signing_secret)

    @admin.display(description="previous signing secret")
    def previous_signing_secret_redacted(self, obj: WebhookEndpoint) -> str:
        if obj.previous_signing_secret and obj.previous_secret_expires_at:
            until = obj.previous_secret_expires_at
            return f"{secret_shown(obj.previous_signing_secret)}, accepted until {until:%Y-%m-%d %H:%M} UTC"
        return secret_shown(obj.previous_signing_secret)

    @admin.display(description="token")
    def credential_redacted(self, obj: WebhookEndpoint) -> str:
        return secret_shown(obj.credential)

    @admin.display(description="basic-auth username")
    def basic_username_redacted(self, obj: WebhookEndpoint) -> str:
        return secret_shown(obj.basic_username)

    @admin.display(description="basic-auth password")
    def basic_password_redacted(self, obj: WebhookEndpoint) -> str:
        return secret_shown(obj.basic_password)
