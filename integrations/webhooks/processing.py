"""Processing stored deliveries: once each, in one transaction with the calls they change."""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.call_services import call_upsert
from integrations.events import CallEvent
from integrations.models import Provider, WebhookDelivery
from integrations.providers.ctm.normalize import delivery_events as ctm_delivery_events
from notifications.services import call_event_notify

logger = logging.getLogger(__name__)

NORMALIZERS: dict[str, Callable[..., list[CallEvent]]] = {Provider.CTM.value: ctm_delivery_events}
PROCESSABLE = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRY)
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class ProcessOutcome:
    status: str


def _is_duplicate(delivery: WebhookDelivery) -> bool:
    """The same body from the same provider for the same account was already processed (a provider retry)."""
    window = timezone.now() - timedelta(days=settings.WEBHOOK_DEDUPE_DAYS)
    return (
        WebhookDelivery.objects.filter(
            dedupe_key=delivery.dedupe_key, status=WebhookDelivery.Status.PROCESSED, received_at__gte=window
        )
        .exclude(pk=delivery.pk)
        .exists()
    )


def webhook_delivery_process(*, delivery_id: int) -> ProcessOutcome:
    """Turn a valid stored delivery into calls, rollups and notifications, exactly once.

    The row lock is the processing claim: a second worker (a redelivered or duplicated task) waits
    for it and then finds the row processed. If the worker dies mid-way, its transaction rolls back
    (the lock with it) and the row is pending again for the next attempt. (Not SKIP LOCKED: the lock
    of a killed worker outlives it until the database notices, and skipping would leave the row to
    the sweeper instead of processing it now.)
    """
    try:
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(of=("self",))
                .select_related("endpoint__campaign", "account")
                .filter(pk=delivery_id, valid=True, status__in=PROCESSABLE)
                .first()
            )
            if delivery is None:
                return ProcessOutcome("skipped")
            delivery.attempts += 1
            delivery.processed_at = timezone.now()
            if delivery.dedupe_key and _is_duplicate(delivery):
                delivery.status = WebhookDelivery.Status.DUPLICATE
                delivery.save(update_fields=["status", "attempts", "processed_at"])
                return ProcessOutcome(delivery.status)
            fallback = delivery.endpoint.campaign if delivery.endpoint else None
            for event in NORMALIZERS[delivery.provider](bytes(delivery.body), event_hint=delivery.event):
                result = call_upsert(account=delivery.account, event=event, fallback_campaign=fallback)
                delivery.calls.add(result.call)
                if result.changed:
                    call_event_notify(call=result.call, previous_status=result.previous_status)
            delivery.status = WebhookDelivery.Status.PROCESSED
            delivery.last_error = delivery.traceback = ""
            delivery.next_attempt_at = None
            delivery.save(
                update_fields=["status", "attempts", "processed_at", "last_error", "traceback", "next_attempt_at"]
            )
            return ProcessOutcome(delivery.status)
    except Exception as exc:
        return _record_failure(delivery_id, exc)


def _record_failure(delivery_id: int, exc: Exception) -> ProcessOutcome:
    logger.exception("webhook delivery %s failed", delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    attempts = delivery.attempts + 1
    transient = isinstance(exc, TRANSIENT_ERRORS)
    if transient and attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        status = WebhookDelivery.Status.RETRY
        next_attempt = timezone.now() + timedelta(seconds=settings.WEBHOOK_RETRY_BACKOFF * 2 ** (attempts - 1))
    else:
        status, next_attempt = WebhookDelivery.Status.FAILED, None
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status=status,
        attempts=attempts,
        next_attempt_at=next_attempt,
        last_error=f"{type(exc).__name__}: {exc}"[:5000],
        traceback=traceback.format_exc()[-20000:],
    )
    return ProcessOutcome(status)


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Valid deliveries nobody processed (broker down at receive time, worker killed) and retries now
    due. Each is pushed back by WEBHOOK_SWEEP_AFTER, so a backed-up queue is not flooded with copies."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_SWEEP_AFTER)
    due = Q(next_attempt_at__isnull=True, received_at__lt=stale) | Q(next_attempt_at__lte=now)
    ids = list(
        WebhookDelivery.objects.filter(due, valid=True, status__in=PROCESSABLE)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_SWEEP_AFTER)
    )
    return ids


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> bool:
    """Process a valid delivery again (after a fix); invalid ones are never replayed. True if queued."""
    if not delivery.valid:
        return False
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error="", traceback=""
        )
        from integrations.tasks import webhook_delivery_enqueue

        transaction.on_commit(lambda: webhook_delivery_enqueue(delivery.pk), robust=True)
    return True


def webhook_deliveries_purge() -> int:
    """Forget deliveries past retention (never sooner than the de-duplication window)."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted
