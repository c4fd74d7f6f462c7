from django.apps import AppConfig

from integrations.call_changes import activity_created, call_changed


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Outbound webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These read models, so they are imported once the app registry is ready.
        from outbound import checks  # noqa: F401 - registers the deploy check
        from outbound.outbox import activities_record, call_changes_record

        # The consumer side of the seam: outbox rows in the transaction that changed the call.
        call_changed.connect(call_changes_record, dispatch_uid="outbound.call_changes_record")
        activity_created.connect(activities_record, dispatch_uid="outbound.activities_record")
