"""Sending the outbox: each delivery claimed once, sent outside any transaction, its outcome kept.

Deliveries are sent in batches (one task per batch of a transaction's deliveries): one statement
claims the batch, the emails share one SMTP session, and the deliveries that were sent are marked
with one UPDATE. Whatever fails is recorded row by row, as before."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Membership
from notifications.channels.base import NothingToSend, PermanentSendError, TransientSendError
from notifications.channels.email import send_email
from notifications.channels.fcm import send_push
from notifications.models import Channel, NotificationDelivery

logger = logging.getLogger(__name__)

SENDING_TIMEOUT = timedelta(minutes=10)  # a claim older than this belongs to a worker that died


def _claim(delivery_ids: list[int]) -> list[int]:
    """Move the ready (or due) deliveries among these to `sending`; returns those claimed. Exactly one
    caller claims each: rows another caller is claiming right now are skipped (and are `sending`, or
    back to due, when it is done)."""
    now = timezone.now()
    ready = Q(status__in=[NotificationDelivery.Status.READY, NotificationDelivery.Status.RETRY]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=NotificationDelivery.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    with transaction.atomic():
        claimed = list(
            NotificationDelivery.objects.select_for_update(skip_locked=True)
            .filter(ready | abandoned, pk__in=delivery_ids)
            .values_list("pk", flat=True)
        )
        if claimed:
            NotificationDelivery.objects.filter(pk__in=claimed).update(
                status=NotificationDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return claimed


class _Session:
    """What a batch's sends share: one SMTP session (opened when the first email needs it, opened
    again once after a transient failure; if that fails too, the batch's other emails wait for their
    retry rather than each wait out the timeout), and whether each recipient owns the account itself."""

    def __init__(self, deliveries: list[NotificationDelivery]) -> None:
        emails = [d.notification for d in deliveries if d.channel == Channel.EMAIL]
        self.members = set(
            Membership.objects.filter(
                account_id__in={n.account_id for n in emails}, user_id__in={n.recipient_id for n in emails}
            ).values_list("account_id", "user_id")
            if emails
            else ()
        )
        self.smtp = None
        self.broken: TransientSendError | None = None

    def _open(self) -> None:
        try:
            self.smtp = self.smtp or get_connection()
            self.smtp.open()
        except Exception as exc:
            self.broken = TransientSendError(f"{type(exc).__name__}: {exc}")

    def send(self, delivery: NotificationDelivery) -> None:
        notification = delivery.notification
        if delivery.channel != Channel.EMAIL:
            send_push(notification)
            return
        if self.smtp is None and self.broken is None:
            self._open()
        if self.broken is not None:
            raise self.broken
        via_parent = (notification.account_id, notification.recipient_id) not in self.members
        try:
            send_email(notification, connection=self.smtp, via_parent=via_parent)
        except TransientSendError:
            self.smtp.close()
            self._open()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()


def _outcome(delivery: NotificationDelivery, session: _Session) -> dict[str, object]:
    """Send one claimed delivery; the fields to write on it afterwards."""
    update: dict[str, object] = {"claimed_at": None}
    try:
        session.send(delivery)
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
        logger.exception("notification delivery %s crashed", delivery.pk)
        update.update(status=NotificationDelivery.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}")
    else:
        update.update(status=NotificationDelivery.Status.SENT, sent_at=timezone.now(), last_error="")
    return update


def _record(outcomes: dict[int, dict[str, object]]) -> None:
    """Write the outcomes: the sent ones with one UPDATE (same fields, one time for them all), each
    other one on its own."""
    sent = [pk for pk, update in outcomes.items() if update["status"] == NotificationDelivery.Status.SENT]
    if sent:
        NotificationDelivery.objects.filter(pk__in=sent).update(
            status=NotificationDelivery.Status.SENT, sent_at=timezone.now(), last_error="", claimed_at=None
        )
    for pk, update in outcomes.items():
        if update["status"] != NotificationDelivery.Status.SENT:
            NotificationDelivery.objects.filter(pk=pk).update(**update)


def notification_deliveries_send(*, delivery_ids: list[int]) -> dict[int, str]:
    """Send each of these deliveries at most once: {id: its status afterwards} ("not-claimed" when
    another caller has it, or it is not due). Outcomes are written even if the batch is interrupted
    (a time limit): what was not sent yet stays claimed until SENDING_TIMEOUT, then is sent again."""
    claimed = _claim(delivery_ids)
    statuses = {pk: "not-claimed" for pk in delivery_ids}
    if not claimed:
        return statuses
    deliveries = list(
        NotificationDelivery.objects.select_related("notification__account", "notification__recipient")
        .filter(pk__in=claimed)
        .order_by("pk")
    )
    session = _Session(deliveries)
    outcomes: dict[int, dict[str, object]] = {}
    try:
        for delivery in deliveries:
            outcomes[delivery.pk] = _outcome(delivery, session)
    finally:
        session.close()
        _record(outcomes)
    statuses.update({pk: str(update["status"]) for pk, update in outcomes.items()})
    return statuses


def notification_delivery_send(*, delivery_id: int) -> str:
    """Send one delivery at most once: returns its status afterwards ("not-claimed" if not claimed)."""
    return notification_deliveries_send(delivery_ids=[delivery_id])[delivery_id]


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


def batches(ids: list[int]) -> list[list[int]]:
    """Ids in the batches one task sends (NOTIFICATION_SEND_BATCH each)."""
    size = settings.NOTIFICATION_SEND_BATCH
    return [ids[start : start + size] for start in range(0, len(ids), size)]
