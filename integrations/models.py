"""Provider credentials and the things that use them: configs and campaigns."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from encrypted_model_fields.fields import EncryptedCharField

from accounts.models import Account


class Provider(models.TextChoices):
    CTM = "calltrackingmetrics", "CallTrackingMetrics"


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> "SoftDeleteQuerySet":
        return self.filter(deleted__isnull=True)


class Key(models.Model):
    """A CTM login and the API credentials CTM issued for it; every secret is encrypted at rest."""

    class AuthScheme(models.TextChoices):
        BASIC = "basic", "Access key + secret (HTTP Basic)"
        SESSION_TOKEN = "session_token", "Session token (auth_token)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ctm_keys")
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = EncryptedCharField(max_length=255)
    password = EncryptedCharField(max_length=255)
    access_key = EncryptedCharField(max_length=512)
    secret = EncryptedCharField(max_length=512, blank=True)
    auth_scheme = models.CharField(max_length=16, choices=AuthScheme.choices, default=AuthScheme.BASIC)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    ctm_default_account_id = models.CharField(max_length=64, blank=True)
    token_invalidated = models.BooleanField(default=False)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True, help_text="Soft-delete time; kept for audit.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "CTM credentials"
        verbose_name_plural = "CTM credentials"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "deleted"])]

    def __str__(self) -> str:
        return f"CTM credentials {self.id} ({self.account})"


class UserConfig(models.Model):
    """Which CTM account (and optional sub-account) an account reports on, through which key."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ctm_configs")
    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="configs")
    calltracking_account_id = models.CharField(max_length=64)
    calltracking_sub_account_id = models.CharField(max_length=64, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "CTM config"
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(deleted__isnull=True), name="userconfig_one_alive_per_account"
            )
        ]

    def __str__(self) -> str:
        sub = f" / {self.calltracking_sub_account_id}" if self.calltracking_sub_account_id else ""
        return f"{self.account}: CTM {self.calltracking_account_id}{sub}"


class Campaign(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISABLED = "disabled", "Disabled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    integration = models.CharField(max_length=32, choices=Provider.choices, default=Provider.CTM)
    key = models.ForeignKey(Key, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    ctm_account_id = models.CharField(max_length=64, blank=True)
    tracking_numbers = models.JSONField(default=list, blank=True, help_text="E.164 numbers, e.g. +15559876543")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "integration", "status"])]

    def __str__(self) -> str:
        return self.name


class EncryptionCanary(models.Model):
    """One known plaintext, encrypted with the field key: proves at start that the key still decrypts."""

    PLAINTEXT = "ctm-integration-canary"

    value = EncryptedCharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Encryption canary ({self.created_at:%Y-%m-%d})"
