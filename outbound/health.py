"""Outbound webhooks that need a person: deactivated ones, and ones whose deliveries fail or wait to
retry (the admin dashboard's panel). Bounded reads: open and recently failed deliveries only."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Account
from outbound.models import OutboundDelivery, OutboundWebhook

FAILED_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class OutboundWebhookHealth:
    webhook: OutboundWebhook
    retrying: int  # deliveries waiting for their next attempt
    failed: int  # deliveries that gave up in the last FAILED_WITHIN
    last_failure: str
    last_failure_at: datetime | None


def outbound_webhooks_needing_attention(*, account: Account | None = None) -> list[OutboundWebhookHealth]:
    """Deactivated webhooks, and webhooks with deliveries retrying or failed lately: the worst first."""
    since = timezone.now() - FAILED_WITHIN
    troubled = OutboundDelivery.objects.filter(
        Q(status=OutboundDelivery.Status.RETRYING) | Q(status=OutboundDelivery.Status.FAILED, finished_at__gte=since)
    )
    webhooks = OutboundWebhook.objects.select_related("account")
    if account is not None:
        troubled = troubled.filter(webhook__account=account)
        webhooks = webhooks.filter(account=account)
    counts: dict[object, dict[str, int]] = {}
    for row in troubled.values("webhook_id", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["webhook_id"], {})[row["status"]] = row["n"]
    shown = webhooks.filter(Q(status=OutboundWebhook.Status.DEACTIVATED) | Q(pk__in=list(counts)))
    rows = [
        OutboundWebhookHealth(
            webhook=webhook,
            retrying=counts.get(webhook.pk, {}).get(OutboundDelivery.Status.RETRYING, 0),
            failed=counts.get(webhook.pk, {}).get(OutboundDelivery.Status.FAILED, 0),
            last_failure=webhook.last_failure,
            last_failure_at=webhook.last_failure_at,
        )
        for webhook in shown
    ]
    deactivated = OutboundWebhook.Status.DEACTIVATED
    return sorted(rows, key=lambda r: (r.webhook.status != deactivated, -r.failed, -r.retrying, r.webhook.name))
