"""Outbound webhooks: what an account forwards where (OutboundWebhook), the outbox of what is to be
sent (OutboundDelivery, one row per webhook and event, written in the transaction of the change), and
every attempt at sending one (OutboundAttempt). Credentials are encrypted at rest and never shown."""

import uuid

from django.db import models
from encrypted_model_fields.fields import EncryptedCharField

from accounts.models import Account
from integrations.models import Call, Lead, Message
from outbound.triggers import (
    AUTH_TYPE_CHOICES,
    BODY_TYPE_CHOICES,
    METHOD_CHOICES,
    TRIGGER_CHOICES,
    AuthType,
    BodyType,
    Method,
)

RESPONSE_KEPT_BYTES = 2048  # of each answer, on its attempt


class OutboundWebhook(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DEACTIVATED = "deactivated", "Deactivated (its last retry failed, or it answered 410)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="outbound_webhooks")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="The account's own on/off switch")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, help_text="Ours: cleared only by reactivating"
    )
    url = models.CharField(max_length=2000, help_text="May hold mustache tokens in its path and query")
    method = models.CharField(max_length=8, choices=METHOD_CHOICES, default=Method.POST)
    trigger = models.CharField(max_length=32, choices=TRIGGER_CHOICES)
    keywords = models.JSONField(default=list, blank=True, help_text="The `keyword` trigger's words")
    body_type = models.CharField(max_length=16, choices=BODY_TYPE_CHOICES, default=BodyType.LOG)
    body_template = models.TextField(blank=True, help_text="mustache: the body, rendered with the call")
    content_type = models.CharField(max_length=100, default="application/json")
    filters = models.JSONField(default=dict, blank=True, help_text="Every key given must match")
    auth_type = models.CharField(max_length=8, choices=AUTH_TYPE_CHOICES, default=AuthType.NONE)
    auth_username = EncryptedCharField(max_length=255, blank=True)
    auth_password = EncryptedCharField(max_length=255, blank=True)
    auth_header_name = models.CharField(max_length=100, blank=True)
    auth_header_value = EncryptedCharField(max_length=1000, blank=True)
    signing_secret = EncryptedCharField(max_length=255, help_text="Standard Webhooks whsec_ secret")
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.TextField(blank=True, help_text="What the last failed attempt got")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    failing_notified_at = models.DateTimeField(null=True, blank=True, help_text="At most one notice a day")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "active", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.trigger} -> {self.url[:60]})"

    @property
    def sending(self) -> bool:
        """Whether events are sent: the account wants it on, and we did not deactivate it."""
        return self.active and self.status == self.Status.ACTIVE


class OutboundDelivery(models.Model):
    """One event to send to one webhook: an outbox row, sent by a worker that claims it (a lease)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    # No database constraint on the webhook: every delivery written for a busy webhook would take a
    # KEY SHARE lock on its row from the transaction that stores calls (Django still cascades).
    webhook = models.ForeignKey(
        OutboundWebhook, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    trigger = models.CharField(max_length=32)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    test = models.BooleanField(default=False, help_text="Sent by POST .../test: never retried")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="In this round (a rerun starts a new one)")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is due (end_delayed: an hour ahead); empty once finished"
    )
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it until then")
    sender = models.UUIDField(null=True, blank=True, help_text="Which sending task holds the lease")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Delivered, or failed for good")

    OPEN = (Status.PENDING, Status.RETRYING)

    class Meta:
        verbose_name_plural = "outbound deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            # A claim: the webhook's oldest due delivery nobody holds, found without sorting its backlog.
            models.Index(
                fields=["webhook", "next_attempt_at", "id"],
                condition=models.Q(status__in=["pending", "retrying"], lease_until__isnull=True),
                name="outbound_due_per_webhook",
            ),
            # The sweep: what came due, across webhooks.
            models.Index(fields=["status", "next_attempt_at"]),
            # The in-flight count of a webhook, and the sweep's expired leases.
            models.Index(
                fields=["webhook", "lease_until"], condition=models.Q(lease_until__isnull=False), name="outbound_leased"
            ),
            models.Index(fields=["lease_until"], condition=models.Q(lease_until__isnull=False), name="outbound_leases"),
            # The delivery log of a webhook, newest first.
            models.Index(fields=["webhook", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} delivery {self.pk} ({self.status})"

    @property
    def subject(self) -> Call | Message | Lead | None:
        return self.call or self.message or self.lead


class OutboundAttempt(models.Model):
    """One request (or a try at one): kept for every attempt, credentials removed from its URL."""

    delivery = models.ForeignKey(OutboundDelivery, on_delete=models.CASCADE, related_name="attempts_made")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=8)
    url = models.CharField(max_length=2000, help_text="As requested, credentials removed")
    address = models.GenericIPAddressField(null=True, blank=True, help_text="The address connected to")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text=f"The first {RESPONSE_KEPT_BYTES} bytes")
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When it is tried again, if it is")

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of delivery {self.delivery_id}: {self.status_code or self.error[:40]}"
