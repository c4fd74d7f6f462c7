from django.contrib import admin, messages

from notifications.dispatch import notification_delivery_resend
from notifications.models import Device, Notification, NotificationDelivery, NotificationPreference


class NotificationDeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "account", "in_app", "created_at", "read_at"]
    list_filter = ["event", "in_app", "deliveries__status", "deliveries__channel"]
    search_fields = ["recipient__email", "account__name"]
    readonly_fields = ["account", "recipient", "event", "context", "in_app", "created_at", "read_at"]
    inlines = [NotificationDeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "notification", "channel", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["notification__recipient__email", "last_error"]
    readonly_fields = [
        "notification",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
        "updated_at",
    ]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Resend")
    def resend(self, request, queryset):
        for delivery in queryset:
            notification_delivery_resend(delivery=delivery)
        self.message_user(request, f"{queryset.count()} delivery(ies) queued again.", messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "channel", "enabled"]
    list_filter = ["event", "channel", "enabled"]
    search_fields = ["user__email"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "created_at", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["user__email"]
    exclude = ["token"]  # a push token is a credential for that device
