"""What happened that people should hear about: one row per event and recipient."""

from django.conf import settings
from django.db import models

from accounts.models import Account


class Event(models.TextChoices):
    PROJECT_ADDED = "project_added", "Integration connected"
    INTEGRATION_DISCONNECTED = "integration_disconnected", "Integration disconnected"
    TOKEN_INVALIDATED = "token_invalidated", "Credentials rejected by the provider"
    WEBHOOK_FAILING = "webhook_failing", "Webhook deliveries keep failing"
    OUTBOUND_WEBHOOK_FAILING = "outbound_webhook_failing", "An outbound webhook failed and was deactivated"
    CALL_RECEIVED = "call_received", "A call came in"
    CALL_MISSED = "call_missed", "A call was missed"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    PUSH = "push", "Push"


# What a user gets when they have not said otherwise: account events on, per-call events off.
DEFAULT_ENABLED: dict[str, bool] = {
    Event.PROJECT_ADDED: True,
    Event.INTEGRATION_DISCONNECTED: True,
    Event.TOKEN_INVALIDATED: True,
    Event.WEBHOOK_FAILING: True,
    Event.OUTBOUND_WEBHOOK_FAILING: True,
    Event.CALL_RECEIVED: False,
    Event.CALL_MISSED: False,
}


class NotificationPreference(models.Model):
    """A user's choice for one event on one channel (absent: DEFAULT_ENABLED)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    event = models.CharField(max_length=64, choices=Event.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "channel"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.event} by {self.channel} {'on' if self.enabled else 'off'}"


class Notification(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=64, choices=Event.choices)
    context = models.JSONField(default=dict, blank=True)
    in_app = models.BooleanField(default=True, help_text="Shown in the app (the recipient's in-app preference)")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "in_app", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()} for {self.recipient} ({self.account})"


class NotificationDelivery(models.Model):
    """The outbox: one row per notification and outside channel (email, push)."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        SENDING = "sending", "Sending"
        RETRY = "retry", "Waiting to retry"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (nothing to send to)"
        FAILED = "failed", "Failed"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification deliveries"
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="notification_delivery_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for notification {self.notification_id} ({self.status})"


class Device(models.Model):
    """A push (FCM) registration token of one of a user's devices."""

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    token = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.ANDROID)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_platform_display()} device of {self.user}"
