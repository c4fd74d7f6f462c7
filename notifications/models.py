"""What happened that people should hear about: one row per event and recipient."""

from django.conf import settings
from django.db import models

from accounts.models import Account


class Event(models.TextChoices):
    PROJECT_ADDED = "project_added", "Integration connected"
    INTEGRATION_DISCONNECTED = "integration_disconnected", "Integration disconnected"
    TOKEN_INVALIDATED = "token_invalidated", "Credentials rejected by the provider"


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
