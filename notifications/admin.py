from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "account", "created_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["recipient__email", "account__name"]
    readonly_fields = ["account", "recipient", "event", "context", "created_at", "read_at"]

    def has_add_permission(self, request) -> bool:
        return False
