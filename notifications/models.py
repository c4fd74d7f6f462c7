"""What happened that people should hear about: one row per event and recipient."""

from django.conf import settings
from django.db import models

from accounts.models import Account


class Event(models.TextChoices):
    PROJECT_ADDED = "project_added", "Integration connected"
    INTEGRATION_DISCONNECTED = "integration_disconnected", "Integration disconnected"
    TOKEN_INVALIDATED = "token_invalidated", "Credentials rejected by the provider"
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
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()} for {self.recipient} ({self.account})"
