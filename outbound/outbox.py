"""The consumer side of the seam: each published change that fires a webhook becomes an outbox row
(OutboundDelivery), written in the transaction that changed the call, so the change and what it
causes commit together or not at all. Sending is the workers' (outbound.sending).

Only the account's webhooks that are switched on are considered; one that we deactivated still
records what it would have sent, as failed, so that reactivating it can rerun everything it missed.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.call_changes import ActivityCreated, CallChange
from integrations.models import Call, Lead, Message
from outbound.dispatch import deliveries_enqueue
from outbound.matching import activity_fires, call_change_fires
from outbound.models import OutboundDelivery, OutboundWebhook
from outbound.triggers import ACTIVITY_TRIGGERS, CALL_TRIGGERS, Trigger

RULE_FIELDS = ("id", "account_id", "trigger", "keywords", "filters", "active", "status")
NOT_SENT = "not sent: the webhook is deactivated (reactivate it to send what failed)"


def _webhooks(account_ids: Iterable, triggers) -> dict[object, list[OutboundWebhook]]:
    found: dict[object, list[OutboundWebhook]] = defaultdict(list)
    rows = OutboundWebhook.objects.filter(account_id__in=set(account_ids), active=True, trigger__in=list(triggers))
    for webhook in rows.only(*RULE_FIELDS):  # the rule only: secrets stay encrypted
        found[webhook.account_id].append(webhook)
    return found


def _delivery(webhook: OutboundWebhook, subject: Call | Message | Lead, *, now) -> OutboundDelivery:
    delivery = OutboundDelivery(
        webhook_id=webhook.pk,
        trigger=webhook.trigger,
        call=subject if isinstance(subject, Call) else None,
        message=subject if isinstance(subject, Message) else None,
        lead=subject if isinstance(subject, Lead) else None,
        next_attempt_at=now,
    )
    if webhook.status == OutboundWebhook.Status.DEACTIVATED:
        delivery.status = OutboundDelivery.Status.FAILED
        delivery.last_error, delivery.next_attempt_at, delivery.finished_at = NOT_SENT, None, now
    elif webhook.trigger == Trigger.END_DELAYED:
        delivery.next_attempt_at = now + timedelta(seconds=settings.OUTBOUND_END_DELAYED_SECONDS)
    return delivery


def _write(deliveries: list[OutboundDelivery], *, now) -> list[OutboundDelivery]:
    if not deliveries:
        return []
    written = OutboundDelivery.objects.bulk_create(deliveries)
    deliveries_enqueue(
        deliveries=[
            (d.webhook_id, d.pk)
            for d in written
            if d.status == OutboundDelivery.Status.PENDING and d.next_attempt_at <= now
        ]
    )
    return written


def call_changes_record(sender=None, *, changes: list[CallChange], **kwargs) -> list[OutboundDelivery]:
    news = [change for change in changes if change.news]
    if not news:
        return []
    webhooks = _webhooks((change.call.account_id for change in news), CALL_TRIGGERS)
    if not webhooks:
        return []
    now = timezone.now()
    deliveries = [
        _delivery(webhook, change.call, now=now)
        for change in news
        for webhook in webhooks.get(change.call.account_id, ())
        if call_change_fires(webhook, change)
    ]
    return _write(deliveries, now=now)


def activities_record(sender=None, *, created: list[ActivityCreated], **kwargs) -> list[OutboundDelivery]:
    news = [activity for activity in created if activity.news]
    if not news:
        return []
    webhooks = _webhooks((activity.record.account_id for activity in news), ACTIVITY_TRIGGERS)
    if not webhooks:
        return []
    now = timezone.now()
    deliveries = [
        _delivery(webhook, activity.record, now=now)
        for activity in news
        for webhook in webhooks.get(activity.record.account_id, ())
        if activity_fires(webhook, activity)
    ]
    return _write(deliveries, now=now)
