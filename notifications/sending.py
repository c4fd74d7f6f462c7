"""Sending the outbox: each delivery claimed once, sent outside any transaction, its outcome kept."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from notifications.channels.base import NothingToSend, PermanentSendError, TransientSendError
from notifications.channels.email import send_email
from notifications.channels.fcm import send_push
from notifications.models import Channel, Notification, NotificationDelivery

logger = logging.getLogger(__name__)

CHANNELS: dict[str, Callable[[Notification], object]] = {Channel.EMAIL: send_email, Channel.PUSH: send_push}
SENDING_TIMEOUT = timedelta(minutes=10)  # a claim older than this belongs to a worker that died


def _claim(delivery_id: int) -> bool:
    """Move a ready (or due) delivery to `sending`. Exactly one caller wins; the rest do nothing."""
    now = timezone.now()
    ready = Q(status__in=[NotificationDelivery.Status.READY, NotificationDelivery.Status.RETRY]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=NotificationDelivery.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    return bool(
        NotificationDelivery.objects.filter(ready | abandoned, pk=delivery_id).update(
            status=NotificationDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def notification_delivery_send(*, delivery_id: int) -> str:
    """Send one delivery at most once: returns its status afterwards ("skipped" if not claimed)."""
    if not _claim(delivery_id):
        return "not-claimed"
    delivery = NotificationDelivery.objects.select_related("notification__account", "notification__recipient").get(
        pk=delivery_id
    )
    update: dict[str, object] = {"claimed_at": None}
    try:
        CHANNELS[delivery.channel](delivery.notification)
    except NothingToSend as exc:
        update.update(status=NotificationDelivery.Status.SKIPPED, last_error=str(exc))
    except TransientSendError as exc:
        if delivery.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            delay = settings.NOTIFICATION_RETRY_BACKOFF * 2 ** (delivery.attempts - 1)
            update.update(
                status=NotificationDelivery.Status.RETRY,
                last_error=str(exc),
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
            )
        else:
            update.update(status=NotificationDelivery.Status.FAILED, last_error=str(exc))
    except PermanentSendError as exc:
        update.update(status=NotificationDelivery.Status.FAILED, last_error=str(exc))
    except Exception as exc:
        logger.exception("notification delivery %s crashed", delivery_id)
        update.update(status=NotificationDelivery.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}")
    else:
        update.update(status=NotificationDelivery.Status.SENT, sent_at=timezone.now(), last_error="")
    NotificationDelivery.objects.filter(pk=delivery_id).update(**update)
    return str(update["status"])


def notification_deliveries_due() -> list[int]:
    """Deliveries to (re)send now: ready ones older than a minute (their task was lost), due retries,
    and claims abandoned by a worker that died."""
    now = timezone.now()
    due = (
        Q(status=NotificationDelivery.Status.READY, created_at__lt=now - timedelta(minutes=1))
        | Q(status=NotificationDelivery.Status.RETRY, next_attempt_at__lte=now)
        | Q(status=NotificationDelivery.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    )
    return list(NotificationDelivery.objects.filter(due).values_list("pk", flat=True)[:500])
