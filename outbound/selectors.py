"""Reading outbound webhooks and their deliveries, always within one account."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Account
from integrations.models import Call, Lead, Message
from outbound.matching import filters_match
from outbound.models import OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.triggers import Trigger

LATEST_SCANNED = 500  # the newest records looked at for one that matches a webhook's filters


def outbound_webhooks_for_account(*, account: Account) -> QuerySet[OutboundWebhook]:
    return OutboundWebhook.objects.filter(account=account).order_by("-created_at", "pk")


def outbound_deliveries_for_webhook(*, webhook: OutboundWebhook, status: str | None = None) -> QuerySet:
    deliveries = OutboundDelivery.objects.filter(webhook=webhook)
    if status:
        deliveries = deliveries.filter(status=status)
    attempts = Prefetch("attempts_made", queryset=OutboundAttempt.objects.order_by("started_at", "pk"))
    return deliveries.order_by("-created_at", "-pk").prefetch_related(attempts)


def latest_subject_for_webhook(*, webhook: OutboundWebhook) -> Call | Message | Lead | None:
    """What CTM's "Test" sends: the account's most recent activity of the webhook's kind (a text
    message, a form lead, or a call) that its filters let through."""
    if webhook.trigger in (Trigger.INBOUND_TEXT, Trigger.OUTBOUND_TEXT):
        direction = "inbound" if webhook.trigger == Trigger.INBOUND_TEXT else "outbound"
        candidates = Message.objects.filter(account_id=webhook.account_id, direction=direction).order_by(
            "-sent_at", "-pk"
        )
    elif webhook.trigger == Trigger.FORM:
        candidates = Lead.objects.filter(account_id=webhook.account_id).order_by("-submitted_at", "-pk")
    else:
        candidates = Call.objects.filter(account_id=webhook.account_id).order_by("-started_at", "-pk")
    return next((c for c in candidates[:LATEST_SCANNED] if filters_match(webhook.filters, c)), None)
