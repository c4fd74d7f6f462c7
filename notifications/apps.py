from django.apps import AppConfig

from integrations.call_changes import call_changed


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications.receivers import call_changes_notify  # needs the models: once apps are ready

        call_changed.connect(call_changes_notify, dispatch_uid="notifications.call_changes_notify")
