"""Sending the outbox: each delivery claimed with a lease, sent outside any transaction, its outcome
kept as an attempt, retried on the schedule, and the webhook deactivated when the last retry fails.

- A claim locks the webhook's row briefly (FOR NO KEY UPDATE: it does not block new deliveries being
  written), counts the deliveries of that webhook in flight (an unexpired lease) and takes one only
  under `OUTBOUND_MAX_IN_FLIGHT`: a hung target holds at most that many workers, never the others'.
- A worker that finished a delivery takes the next due one of the same webhook (a drain), so the
  deliveries a full webhook turned away are not left waiting for the sweep.
- The lease is the "sent once" guarantee while a worker lives, and the "never lost" one when it dies:
  the sweep finds the expired lease, records the lost attempt and sends the delivery again (at
  least once: the receiver may see it twice, with the same `webhook-id`).
- Any answer but 2xx, a timeout, a connection error or a refused address is a failed attempt: retried
  after `OUTBOUND_RETRY_SCHEDULE[n]`; after the last retry the delivery fails, the webhook is
  deactivated and the account's owners hear of it (at most once a day per webhook). `410 Gone`
  deactivates at once.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ctm_integration.redaction import redact_query
from integrations.models import Call, Lead, Message
from notifications.models import Event
from notifications.services import notification_record
from outbound import transport
from outbound.models import RESPONSE_KEPT_BYTES, OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.rendering import request_render
from outbound.signing import auth_headers, message_id, signature_headers
from outbound.ssrf import UnresolvableHost, UrlNotAllowed, address_to_connect, target_of

logger = logging.getLogger(__name__)

OPEN = OutboundDelivery.OPEN
FAILING_NOTICE_QUIET = timedelta(hours=24)
DRAIN_SECONDS = 10.0  # one task stops draining after this long, and hands over to a new task
MAX_BATCH = 16  # deliveries one claim may take while the receiver answers quickly
SLOW_SECONDS = 1.0  # an answer slower than this ends a batch (and each delivery's lease allows this much)
# Query parameters whose values are credentials: never kept on an attempt.
CREDENTIAL_PARAMS = frozenset(
    {"token", "access_token", "api_key", "apikey", "key", "secret", "client_secret", "password", "pass", "auth", "sig"}
)
GONE = 410
LOST = "the worker sending it stopped before recording an outcome: sent again"


def url_without_credentials(url: str) -> str:
    base, sep, query = url.partition("?")
    return base + sep + redact_query(query, hidden=CREDENTIAL_PARAMS) if sep else base


def max_attempts() -> int:
    return 1 + len(settings.OUTBOUND_RETRY_SCHEDULE)


@dataclass
class Outcome:
    """What one attempt got."""

    started_at: datetime
    duration_ms: int = 0
    method: str = ""
    url: str = ""
    address: str | None = None
    status_code: int | None = None
    response_body: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


@dataclass
class SendReport:
    sent: int = 0
    delivered: int = 0
    busy: bool = False  # the webhook had OUTBOUND_MAX_IN_FLIGHT requests in flight already
    more: bool = False  # stopped draining with time up: a new task should carry on
    retries: list[float] = field(default_factory=list)  # seconds until each retry scheduled

    def count(self, delivery: OutboundDelivery) -> None:
        self.sent += 1
        if delivery.status == OutboundDelivery.Status.DELIVERED:
            self.delivered += 1
        elif delivery.status == OutboundDelivery.Status.RETRYING:
            self.retries.append((delivery.next_attempt_at - timezone.now()).total_seconds())


# --- claiming ---------------------------------------------------------------------------------------

BUSY = object()


def _lock_webhook(webhook_id) -> OutboundWebhook | None:
    return OutboundWebhook.objects.select_for_update(no_key=True).filter(pk=webhook_id).first()


def _without_waiting_for_disk() -> None:
    """The outbox's own writes (claims, outcomes) need not wait for PostgreSQL's WAL flush: a crash may
    lose the last fraction of a second of them, and what it loses is sent again (a claim that vanished
    leaves the delivery due; an outcome that vanished leaves a lease that expires). At least once
    either way. The calls' own writes, and everything else, keep the default."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


SUBJECTS = {"call": Call, "message": Message, "lead": Lead}


def _claim(*, webhook: OutboundWebhook, now: datetime, sender: uuid.UUID, first: bool, size: int = 1):
    """Inside the caller's transaction: up to `size` of the webhook's oldest due deliveries, leased to
    `sender` (one sending task), each with what it is about; [] if there is none (or the webhook
    stopped sending); BUSY if the webhook has OUTBOUND_MAX_IN_FLIGHT senders already.

    Only a task's `first` claim counts the senders: its later claims follow its own previous ones,
    whose outcomes were kept in this same transaction. No lock but the deliveries' own rows: two tasks
    starting in the same instant may both pass the count. The lease covers the batch: a sender stops
    a batch at its first slow or failed answer (see `outbound_deliveries_send`)."""
    due = (
        OutboundDelivery.objects.filter(
            webhook_id=webhook.pk,
            status__in=OPEN,
            next_attempt_at__lte=now,
            lease_until__isnull=True,
            webhook__active=True,
            webhook__status=OutboundWebhook.Status.ACTIVE,
        )
        .order_by("next_attempt_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    # An index scan, however long the backlog; the webhook's `updated_at` says whether ours is current.
    rows = list(due.values("pk", "attempts", "test", "trigger", "webhook__updated_at", *SUBJECTS)[:size])
    if not rows:
        return []
    if first:
        leased = OutboundDelivery.objects.filter(webhook_id=webhook.pk, lease_until__gt=now)
        if leased.values("sender").distinct().count() >= settings.OUTBOUND_MAX_IN_FLIGHT:
            return BUSY
    if rows[0]["webhook__updated_at"] != webhook.updated_at:
        webhook = OutboundWebhook.objects.get(pk=webhook.pk)  # changed while we drained it
    lease_until = now + timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS + SLOW_SECONDS * (len(rows) - 1))
    OutboundDelivery.objects.filter(pk__in=[row["pk"] for row in rows]).update(
        lease_until=lease_until, sender=sender, attempts=F("attempts") + 1, updated_at=now
    )
    subjects = {
        name: model.objects.in_bulk({row[name] for row in rows if row[name] is not None})
        for name, model in SUBJECTS.items()
    }
    claimed = []
    for row in rows:
        delivery = OutboundDelivery(
            pk=row["pk"],
            webhook=webhook,
            trigger=row["trigger"],
            test=row["test"],
            attempts=row["attempts"] + 1,
            lease_until=lease_until,
            sender=sender,
            next_attempt_at=now,
        )
        for name in SUBJECTS:
            if row[name] is not None:
                setattr(delivery, name, subjects[name][row[name]])
        claimed.append(delivery)
    return claimed


def _release(deliveries: list[OutboundDelivery], *, now: datetime) -> None:
    """Give back claimed deliveries that were not tried (a batch stopped early): due again at once,
    as if never claimed."""
    if deliveries:
        OutboundDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            lease_until=None, sender=None, attempts=F("attempts") - 1, updated_at=now
        )


def _sending_webhook(webhook_id) -> OutboundWebhook | None:
    """The webhook a task drains, or None: gone, or not sending (then what waits for it fails)."""
    webhook = OutboundWebhook.objects.filter(pk=webhook_id).first()
    if webhook is not None and not webhook.sending:
        with transaction.atomic():
            _fail_open_deliveries(webhook, now=timezone.now(), reason=_not_sending_reason(webhook))
        return None
    return webhook


def delivery_claim(*, webhook_id):
    """Claim the webhook's next due delivery for a new sender (see `_claim`): the delivery, None, or BUSY."""
    webhook = _sending_webhook(webhook_id)
    if webhook is None:
        return None
    with transaction.atomic():
        claimed = _claim(webhook=webhook, now=timezone.now(), sender=uuid.uuid4(), first=True)
    return claimed if claimed is BUSY else next(iter(claimed), None)


def _not_sending_reason(webhook: OutboundWebhook) -> str:
    if webhook.status == OutboundWebhook.Status.DEACTIVATED:
        return "not sent: the webhook is deactivated (reactivate it to send what failed)"
    return "not sent: the webhook is switched off"


def _fail_open_deliveries(webhook: OutboundWebhook, *, now: datetime, reason: str, exclude: int | None = None) -> int:
    """Every delivery of the webhook still waiting (not one a worker is sending) fails with `reason`."""
    waiting = OutboundDelivery.objects.filter(webhook=webhook, status__in=OPEN).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if exclude is not None:
        waiting = waiting.exclude(pk=exclude)
    return waiting.update(
        status=OutboundDelivery.Status.FAILED,
        last_error=reason,
        next_attempt_at=None,
        lease_until=None,
        sender=None,
        finished_at=now,
        updated_at=now,
    )


# --- one attempt, outside any transaction -----------------------------------------------------------


def attempt_send(delivery: OutboundDelivery) -> Outcome:
    """Render, sign and send one delivery now. Never raises: every failure is the attempt's outcome."""
    webhook = delivery.webhook
    outcome = Outcome(started_at=timezone.now(), method=webhook.method, url=url_without_credentials(webhook.url))
    clock = time.monotonic()
    try:
        rendered = request_render(webhook=webhook, subject=delivery.subject)
        outcome.url = url_without_credentials(rendered.url)
        target = target_of(rendered.url)
        outcome.address = address = address_to_connect(target)
        headers = {
            **rendered.headers,
            **auth_headers(webhook),
            **signature_headers(secret=webhook.signing_secret, msg_id=message_id(delivery.pk), body=rendered.body),
        }
        answer = transport.request(
            method=rendered.method,
            url=rendered.url,
            target=target,
            address=address,
            headers=headers,
            body=rendered.body,
        )
    except (UrlNotAllowed, UnresolvableHost, transport.TransportError) as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a bug must not leave the delivery leased: it is a failed attempt
        logger.exception("outbound delivery %s could not be sent", delivery.pk)
        outcome.error = f"{type(exc).__name__}: {exc}"
    else:
        outcome.status_code = answer.status
        outcome.response_body = answer.body[:RESPONSE_KEPT_BYTES].decode("utf-8", errors="replace")
        if 300 <= answer.status < 400:
            outcome.error = f"redirect not followed (Location: {url_without_credentials(answer.location)})"
        elif not 200 <= answer.status < 300:
            outcome.error = f"HTTP {answer.status}"
    outcome.duration_ms = int((time.monotonic() - clock) * 1000)
    return outcome


# --- recording the outcome --------------------------------------------------------------------------


def _attempt_row(delivery: OutboundDelivery, outcome: Outcome, next_attempt_at: datetime | None) -> OutboundAttempt:
    return OutboundAttempt(
        delivery=delivery,
        started_at=outcome.started_at,
        duration_ms=outcome.duration_ms,
        method=outcome.method,
        url=outcome.url[:2000],
        address=outcome.address,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
        next_attempt_at=next_attempt_at,
    )


def outcome_record(delivery: OutboundDelivery, outcome: Outcome) -> OutboundDelivery:
    """Keep the attempt and move the delivery on: delivered, retrying, or failed (and the webhook
    deactivated when its last retry failed or it answered 410)."""
    with transaction.atomic():
        return _outcome_keep(delivery, outcome)


def _outcomes_keep(finished: list[tuple[OutboundDelivery, Outcome]]) -> list[OutboundDelivery]:
    """The outcomes of a batch, inside the caller's transaction: the delivered ones in one UPDATE and
    one INSERT, each failure on its own (it may retry, deactivate, notify)."""
    delivered = [(d, o) for d, o in finished if o.delivered]
    if delivered:
        now = timezone.now()
        fields = {
            "lease_until": None,
            "sender": None,
            "last_error": "",
            "updated_at": now,
            "status": OutboundDelivery.Status.DELIVERED,
            "next_attempt_at": None,
            "finished_at": now,
        }
        ids = [d.pk for d, _ in delivered]
        updated = OutboundDelivery.objects.filter(pk__in=ids, sender=delivered[0][0].sender).update(**fields)
        if updated < len(ids):  # some were deleted meanwhile (their call was): their attempts are not kept
            alive = set(OutboundDelivery.objects.filter(pk__in=ids).values_list("pk", flat=True))
            delivered = [(d, o) for d, o in delivered if d.pk in alive]
        OutboundAttempt.objects.bulk_create([_attempt_row(d, o, None) for d, o in delivered])
        for delivery, _ in delivered:
            for name, value in fields.items():
                setattr(delivery, name, value)
    for delivery, outcome in finished:
        if not outcome.delivered:
            _outcome_keep(delivery, outcome)
    return [d for d, _ in finished]


def _outcome_keep(delivery: OutboundDelivery, outcome: Outcome) -> OutboundDelivery:
    """`outcome_record`, inside the caller's transaction."""
    now = timezone.now()
    fields = {"lease_until": None, "sender": None, "last_error": outcome.error, "updated_at": now}
    if outcome.delivered:  # the common case touches the delivery and its attempt only
        fields.update(status=OutboundDelivery.Status.DELIVERED, next_attempt_at=None, finished_at=now)
        if OutboundDelivery.objects.filter(pk=delivery.pk).update(**fields):  # else deleted meanwhile
            OutboundAttempt.objects.bulk_create([_attempt_row(delivery, outcome, None)])
    else:
        _failure_record(delivery, outcome, fields, now=now)
    for name, value in fields.items():
        setattr(delivery, name, value)
    return delivery


def _failure_record(delivery: OutboundDelivery, outcome: Outcome, fields: dict, *, now: datetime) -> None:
    webhook = _lock_webhook(delivery.webhook_id)
    if webhook is None:
        return  # deleted meanwhile, with its deliveries
    next_attempt_at = None
    deactivate_reason = ""
    retry_in = _retry_delay(delivery)
    if outcome.status_code == GONE:
        deactivate_reason = "it answered 410 Gone"
    elif retry_in is None:
        deactivate_reason = f"{delivery.attempts} attempts failed, the last with {outcome.error}"
    if delivery.test or not webhook.sending or retry_in is None or deactivate_reason:
        fields.update(status=OutboundDelivery.Status.FAILED, next_attempt_at=None, finished_at=now)
    else:
        next_attempt_at = now + timedelta(seconds=retry_in)
        fields.update(status=OutboundDelivery.Status.RETRYING, next_attempt_at=next_attempt_at)
    if not OutboundDelivery.objects.filter(pk=delivery.pk).update(**fields):
        return  # deleted meanwhile (its call was)
    OutboundAttempt.objects.bulk_create([_attempt_row(delivery, outcome, next_attempt_at)])
    if delivery.test:
        return  # a test changes nothing on the webhook
    webhook.last_failure_at, webhook.last_failure = now, outcome.error[:1000]
    update = ["last_failure_at", "last_failure", "updated_at"]
    if deactivate_reason and webhook.status == OutboundWebhook.Status.ACTIVE:
        update += _deactivate(webhook, now=now, reason=deactivate_reason, delivery=delivery)
    webhook.save(update_fields=update)


def _retry_delay(delivery: OutboundDelivery) -> int | None:
    """Seconds until the next attempt after attempt number `attempts`; None after the last retry."""
    schedule = settings.OUTBOUND_RETRY_SCHEDULE
    return schedule[delivery.attempts - 1] if 0 < delivery.attempts <= len(schedule) else None


def _deactivate(webhook: OutboundWebhook, *, now: datetime, reason: str, delivery: OutboundDelivery) -> list[str]:
    """Deactivate it (in the caller's transaction, the webhook row locked); fail what waits; tell the
    owners once a day. Returns the webhook fields changed."""
    webhook.status = OutboundWebhook.Status.DEACTIVATED
    webhook.deactivated_at = now
    changed = ["status", "deactivated_at"]
    _fail_open_deliveries(webhook, now=now, reason="not sent: the webhook was deactivated", exclude=delivery.pk)
    quiet = webhook.failing_notified_at and webhook.failing_notified_at > now - FAILING_NOTICE_QUIET
    if not quiet:
        notification_record(
            event=Event.OUTBOUND_WEBHOOK_FAILING,
            account=webhook.account,
            context={
                "webhook_id": str(webhook.pk),
                "webhook_name": webhook.name,
                "trigger": webhook.trigger,
                "url": url_without_credentials(webhook.url),
                "reason": reason,
            },
        )
        webhook.failing_notified_at = now
        changed.append("failing_notified_at")
    return changed


# --- the loop a task runs ---------------------------------------------------------------------------


# Webhooks this process found with every sender slot taken, and until when it stops asking: their
# senders drain what is due, so a task for one of them can end at once without a query (the task
# module gives such a webhook one more look when this runs out, for what came as its senders ended).
_busy_until: dict[str, float] = {}
BUSY_MEMORY_SECONDS = 1.0


def outbound_deliveries_send(*, webhook_id, carry_on: bool = False) -> SendReport:
    """Send the webhook's due deliveries, oldest first, one request at a time, for up to DRAIN_SECONDS.

    Deliveries are claimed in batches that grow while the receiver answers quickly (up to
    MAX_BATCH, doubling) and fall back to one at the first failure or slow answer, where the rest of
    the batch is given back untried; the outcomes of a batch are kept in the transaction that claims
    the next one. A healthy receiver costs a few queries per batch; a failing one is tried a
    delivery at a time."""
    report = SendReport()
    if not carry_on and _busy_until.get(str(webhook_id), 0.0) > time.monotonic():
        report.busy = True
        return report
    webhook = _sending_webhook(webhook_id)
    if webhook is None:
        return report
    sender = uuid.uuid4()
    started = time.monotonic()
    finished: list[tuple[OutboundDelivery, Outcome]] = []
    untried: list[OutboundDelivery] = []
    size, first = 1, True
    while True:
        time_up = time.monotonic() - started > DRAIN_SECONDS
        with transaction.atomic():
            _without_waiting_for_disk()
            _release(untried, now=timezone.now())
            for delivery in _outcomes_keep(finished):
                report.count(delivery)
            claimed = (
                [] if time_up else _claim(webhook=webhook, now=timezone.now(), sender=sender, first=first, size=size)
            )
        finished, untried, first = [], [], False
        if time_up:
            report.more = True
            break
        if claimed is BUSY:
            report.busy = True
            _busy_until[str(webhook_id)] = time.monotonic() + BUSY_MEMORY_SECONDS
            break
        if not claimed:
            break
        webhook = claimed[0].webhook
        for index, delivery in enumerate(claimed):
            outcome = attempt_send(delivery)
            finished.append((delivery, outcome))
            if not outcome.delivered or outcome.duration_ms > SLOW_SECONDS * 1000:
                untried = claimed[index + 1 :]
                size = 1
                break
        else:
            size = min(size * 2, MAX_BATCH)
    return report


# --- the sweep ----------------------------------------------------------------------------------------


def outbound_leases_expire(*, now: datetime | None = None) -> int:
    """Deliveries whose worker died mid-send (an expired lease): the lost attempt is recorded and they
    are due again at once (the lost attempt counts towards the schedule). One lost more often than it
    may be tried fails for good instead: a delivery that kills its worker must not do so for ever."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(
            OutboundDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=OPEN, lease_until__lt=now)
            .select_related("webhook")[:500]
        )
        for delivery in rows:
            lost = Outcome(
                started_at=delivery.lease_until - lease,
                method=delivery.webhook.method,
                url=url_without_credentials(delivery.webhook.url),
                error=LOST,
            )
            given_up = delivery.attempts > max_attempts()
            OutboundAttempt.objects.bulk_create([_attempt_row(delivery, lost, None if given_up else now)])
            fields = {
                "lease_until": None,
                "sender": None,
                "last_error": LOST,
                "updated_at": now,
                "next_attempt_at": now,
            }
            if given_up:
                fields.update(
                    status=OutboundDelivery.Status.FAILED,
                    next_attempt_at=None,
                    finished_at=now,
                    last_error=f"its worker stopped while sending it, {delivery.attempts} times",
                )
            OutboundDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return len(rows)


def outbound_deliveries_due(*, now: datetime | None = None) -> list[tuple[str, int]]:
    """(webhook id, how many tasks to start) for webhooks with deliveries due: retries and delayed
    ends that came due, deliveries whose task was lost, and those a worker that died left behind.
    A delivery whose own task is on its way may get a second one: the claim lets one of them send it."""
    now = now or timezone.now()
    outbound_leases_expire(now=now)
    due = (
        OutboundDelivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now, lease_until__isnull=True)
        .values("webhook_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [(str(row["webhook_id"]), min(row["count"], settings.OUTBOUND_MAX_IN_FLIGHT)) for row in due[:1000]]
