from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.webhooks.processing import webhook_delivery_replay


class Command(BaseCommand):
    help = "Queue valid webhook deliveries for processing again (failed ones by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Delivery ids (default: every failed delivery).")
        parser.add_argument("--since", type=datetime.fromisoformat, help="Only deliveries received since (ISO date).")
        parser.add_argument(
            "--status",
            default="failed",
            choices=[s.value for s in WebhookDelivery.Status],
            help="Which deliveries, when no ids are given (default: failed).",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options) -> None:
        deliveries = WebhookDelivery.objects.order_by("received_at")
        if options["ids"]:
            deliveries = deliveries.filter(pk__in=options["ids"])
            missing = set(options["ids"]) - set(deliveries.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No deliveries with ids {sorted(missing)}.")
        else:
            deliveries = deliveries.filter(status=options["status"])
        if options["since"]:
            since = options["since"]
            deliveries = deliveries.filter(received_at__gte=since if since.tzinfo else timezone.make_aware(since))
        queued = skipped = 0
        for delivery in deliveries.iterator():
            if options["dry_run"]:
                queued += int(delivery.valid)
                skipped += int(not delivery.valid)
            elif webhook_delivery_replay(delivery=delivery):
                queued += 1
            else:
                skipped += 1
        verb = "Would queue" if options["dry_run"] else "Queued"
        self.stdout.write(f"{verb} {queued} deliveries; {skipped} invalid ones are never replayed.")
