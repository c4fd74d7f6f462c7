"""Staff views of outbound webhooks and their delivery log. Credentials are typed in and never shown
back (an empty field keeps the stored value); every action calls a service."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from outbound.models import OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.services import (
    DeliveryInFlight,
    NothingToTest,
    WebhookDeactivated,
    outbound_delivery_rerun,
    outbound_webhook_check,
    outbound_webhook_reactivate,
    outbound_webhook_test,
)
from outbound.signing import signing_secret_new
from outbound.ssrf import UrlNotAllowed
from outbound.triggers import AuthType

REDACTED = "•••••••• (set)"
WRITE_ONLY = ("auth_username", "auth_password", "auth_header_value")
RECENT = 20


class OutboundWebhookForm(forms.ModelForm):
    auth_username = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="basic: leave empty to keep the stored one"
    )
    auth_password = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="basic: leave empty to keep the stored one"
    )
    auth_header_value = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="header: leave empty to keep the stored one"
    )

    class Meta:
        model = OutboundWebhook
        fields = [
            "account",
            "name",
            "description",
            "active",
            "url",
            "method",
            "trigger",
            "keywords",
            "body_type",
            "body_template",
            "content_type",
            "filters",
            "auth_type",
            "auth_username",
            "auth_password",
            "auth_header_name",
            "auth_header_value",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        stored = None if self.instance._state.adding else OutboundWebhook.objects.get(pk=self.instance.pk)
        for name in WRITE_ONLY:
            if not cleaned.get(name) and stored is not None:
                cleaned[name] = getattr(stored, name)
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        for name in WRITE_ONLY:
            setattr(self.instance, name, self.cleaned_data.get(name, ""))
        kind = self.instance.auth_type
        if kind != AuthType.BASIC:
            self.instance.auth_username = self.instance.auth_password = ""
        if kind != AuthType.HEADER:
            self.instance.auth_header_name = self.instance.auth_header_value = ""
        try:
            outbound_webhook_check(self.instance)  # the API's rules, SSRF guard included
        except ValidationError as exc:
            self._update_errors(exc)
        except UrlNotAllowed as exc:
            self.add_error("url", str(exc))


class RecentDeliveriesMixin:
    @admin.display(description="recent deliveries")
    def recent_deliveries(self, obj: OutboundWebhook) -> str:
        if not obj.pk:
            return "—"
        rows = OutboundDelivery.objects.filter(webhook=obj).order_by("-created_at", "-pk")[:RECENT]
        link = reverse("admin:outbound_outbounddelivery_changelist") + f"?webhook__id__exact={obj.pk}"
        table = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:outbound_outbounddelivery_change", args=[d.pk]),
                    d.pk,
                    d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    d.trigger,
                    d.status,
                    d.attempts,
                    d.last_error[:120],
                )
                for d in rows
            ),
        )
        return format_html(
            "<table><tr><th>id</th><th>created</th><th>trigger</th><th>status</th><th>attempts</th>"
            '<th>last error</th></tr>{}</table><p><a href="{}">The whole delivery log</a></p>',
            table,
            link,
        )


@admin.register(OutboundWebhook)
class OutboundWebhookAdmin(RecentDeliveriesMixin, admin.ModelAdmin):
    form = OutboundWebhookForm
    list_display = ["name", "account", "trigger", "body_type", "url", "active", "status", "last_failure_at"]
    list_filter = ["status", "active", "trigger", "body_type"]
    search_fields = ["name", "url", "account__name"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    readonly_fields = [
        "status",
        "signing_secret_redacted",
        "last_failure_at",
        "last_failure",
        "deactivated_at",
        "failing_notified_at",
        "created_at",
        "updated_at",
        "recent_deliveries",
    ]
    actions = ["send_test", "reactivate", "reactivate_and_rerun"]

    @admin.display(description="signing secret")
    def signing_secret_redacted(self, obj: OutboundWebhook) -> str:
        return REDACTED if obj.signing_secret else "—"

    def save_model(self, request, obj: OutboundWebhook, form, change: bool) -> None:
        created = not obj.signing_secret
        if created:
            obj.signing_secret = signing_secret_new()
        super().save_model(request, obj, form, change)
        if created:
            self.message_user(
                request,
                f"Signing secret (shown once, give it to the receiver): {obj.signing_secret}",
                messages.WARNING,
            )

    @admin.action(description="Send a test (the latest matching activity, now)")
    def send_test(self, request, queryset):
        for webhook in queryset:
            try:
                attempt = outbound_webhook_test(webhook=webhook)
            except NothingToTest as exc:
                self.message_user(request, f"{webhook.name}: {exc}", messages.WARNING)
                continue
            level = messages.SUCCESS if attempt.status_code and 200 <= attempt.status_code < 300 else messages.ERROR
            outcome = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
            self.message_user(request, f"{webhook.name}: {outcome} in {attempt.duration_ms} ms.", level)

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        for webhook in queryset:
            outbound_webhook_reactivate(webhook=webhook, rerun_failed=False)
        self.message_user(request, f"{queryset.count()} webhook(s) reactivated.", messages.SUCCESS)

    @admin.action(description="Reactivate and rerun what failed while it was down")
    def reactivate_and_rerun(self, request, queryset):
        rerun = sum(outbound_webhook_reactivate(webhook=w, rerun_failed=True) for w in queryset)
        self.message_user(request, f"{queryset.count()} webhook(s) reactivated, {rerun} delivery(ies) rerun.")


class OutboundAttemptInline(admin.TabularInline):
    model = OutboundAttempt
    extra = 0
    can_delete = False
    fields = ["started_at", "duration_ms", "method", "url", "address", "status_code", "error", "response_body"]
    readonly_fields = fields
    ordering = ["started_at", "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "webhook", "trigger", "status", "attempts", "next_attempt_at", "created_at", "finished_at"]
    list_filter = ["status", "trigger", "test"]
    search_fields = ["id", "webhook__name", "last_error"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    inlines = [OutboundAttemptInline]
    fields = [
        "id",
        "webhook",
        "trigger",
        "call",
        "message",
        "lead",
        "test",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields
    actions = ["rerun"]

    def has_add_permission(self, request) -> bool:
        return False  # written by the outbox when calls change

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Rerun (send again now)")
    def rerun(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                outbound_delivery_rerun(delivery=delivery)
                done += 1
            except (WebhookDeactivated, DeliveryInFlight) as exc:
                self.message_user(request, f"Delivery {delivery.pk}: {exc}", messages.WARNING)
        self.message_user(request, f"{done} delivery(ies) queued again.", messages.SUCCESS)
