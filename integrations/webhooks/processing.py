"""Processing stored deliveries: once each, in the same transaction as the calls they change.

The drain task calls `webhook_deliveries_process`, which claims waiting deliveries a batch at a time;
`webhook_delivery_process` claims one delivery (what a batch falls back to). Both hand what they
claimed to one core, `_process_batch`: dedupe, the provider's normalizer (from the registry), the
stores, statuses. The stores publish what changed on the seam (`integrations.call_changes`), where
notifications and outbound webhooks pick it up in this same transaction. A delivery received longer
than `CALL_NEWS_WINDOW_SECONDS` ago (a replay, a long outage) is stored as history: origin
`BACKFILL`, no news (`integrations.news`)."""

import hashlib
import logging
import traceback
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.call_changes import Origin
from integrations.call_services import calls_upsert_accounts
from integrations.event_stores import leads_upsert, messages_upsert, trackers_upsert, usage_upsert
from integrations.events import (
    CallEvent,
    IgnoredEvent,
    LeadEvent,
    MessageEvent,
    NormalizedEvent,
    TrackerEvent,
    UsageEvent,
)
from integrations.models import WebhookDelivery
from integrations.news import delivery_origin, news_window
from integrations.providers.registry import provider_for
from integrations.webhooks.drain import webhook_drain_request
from integrations.webhooks.health import webhook_failing_check

logger = logging.getLogger(__name__)

PROCESSABLE = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRY)
# The endpoint's secrets are the receiver's (checked before a delivery is stored): processing leaves
# them encrypted (decrypting them took 7% of the worker's time).
ENDPOINT_SECRETS = tuple(
    f"endpoint__{name}"
    for name in ("signing_secret", "previous_signing_secret", "credential", "basic_username", "basic_password")
)
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class ProcessOutcome:
    status: str


def _dedupe_lock(keys: Iterable[str]) -> None:
    """Hold each dedupe key until the transaction ends, before looking for a processed copy.

    Copies of one body are different rows, so row locks do not keep two workers from processing
    two copies at once, each finding no processed copy because the other has not committed yet.
    With this lock the second worker waits for the first to commit or roll back; under READ
    COMMITTED its next statement, the duplicate check, then sees the outcome. Keys are locked in one
    order so two batches cannot deadlock on each other. Elsewhere than PostgreSQL (SQLite) writing
    transactions are serialized by the database itself.
    """
    if connection.vendor != "postgresql":
        return
    ids = sorted(
        {int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True) for key in keys}
    )
    if ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(id) FROM unnest(%s::bigint[]) AS id", [ids])


def _delivery_events(delivery: WebhookDelivery) -> list[NormalizedEvent]:
    provider = provider_for(delivery.provider)
    return provider.delivery_events(bytes(delivery.body), event_hint=delivery.event, endpoint=delivery.endpoint)


def _store_messages(*, account, events, fallback, origin) -> None:
    messages_upsert(account=account, events=events, fallback_campaign=fallback, origin=origin)


def _store_leads(*, account, events, fallback, origin) -> None:
    leads_upsert(account=account, events=events, fallback_campaign=fallback, origin=origin)


def _store_trackers(*, account, events, fallback, origin) -> None:
    trackers_upsert(account=account, events=events)


def _store_usage(*, account, events, fallback, origin) -> None:
    usage_upsert(account=account, events=events)


# Event type -> its store (called with the account, its events, the endpoint's campaign and the
# deliveries' origin). Calls are not in it: they take the call store's own path below (rollups,
# links to deliveries).
STORES = {
    MessageEvent: _store_messages,
    LeadEvent: _store_leads,
    TrackerEvent: _store_trackers,
    UsageEvent: _store_usage,
}


def _split_events(
    events: list[NormalizedEvent], *, delivery: WebhookDelivery
) -> tuple[list[CallEvent], list[NormalizedEvent]]:
    """The call store's events and the other stores'. Ignored events are acknowledged; any other kind
    must have a store before a provider may produce it (nothing is dropped silently)."""
    unstored = [e for e in events if not isinstance(e, CallEvent | IgnoredEvent) and type(e) not in STORES]
    if unstored:
        raise TypeError(f"delivery {delivery.pk}: no store for {type(unstored[0]).__name__}")
    calls = [e for e in events if isinstance(e, CallEvent)]
    return calls, [e for e in events if type(e) in STORES]


def webhook_delivery_process(*, delivery_id: int) -> ProcessOutcome:
    """One delivery on its own (the batch's fallback, and explicit processing): calls, rollups and
    what reacts to them (notifications, outbound webhooks), exactly once.

    The row lock is the processing claim: a second caller waits for it and then finds the row
    processed. If the worker dies mid-way, its transaction rolls back (the lock with it) and the row
    is pending again for the next attempt. It waits rather than skips: a killed worker's lock
    outlives it until the database notices. A call inserted concurrently by someone else (a unique
    violation) is merged into on a second try: by the time PostgreSQL reports the violation, the
    other insert has committed.
    """
    try:
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(of=("self",))
                .select_related("endpoint__campaign", "account")
                .defer(*ENDPOINT_SECRETS)
                .filter(pk=delivery_id, valid=True, status__in=PROCESSABLE)
                .first()
            )
            if delivery is None:
                return ProcessOutcome("skipped")
            try:
                with transaction.atomic():
                    outcome = _process_batch([delivery])
            except IntegrityError:
                with transaction.atomic():
                    outcome = _process_batch([delivery])
            return ProcessOutcome(outcome[delivery.pk])
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
    if status == WebhookDelivery.Status.FAILED:
        webhook_failing_check(endpoint_id=delivery.endpoint_id)
    return ProcessOutcome(status)


def webhook_deliveries_due() -> bool:
    """Is any valid delivery waiting that nobody processed (broker down at receive time, a worker
    killed), or a retry whose time has come? The sweeper then asks for a drain."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_SWEEP_AFTER)
    due = Q(next_attempt_at__isnull=True, received_at__lt=stale) | Q(next_attempt_at__lte=now)
    return WebhookDelivery.objects.filter(due, valid=True, status__in=PROCESSABLE).exists()


def _ready() -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())


def webhook_deliveries_waiting() -> bool:
    """Are valid deliveries ready to process (whoever may be holding them right now)?"""
    return WebhookDelivery.objects.filter(_ready(), valid=True, status__in=PROCESSABLE).exists()


# --- the fast path: a batch of deliveries in one transaction -----------------------------------


def webhook_deliveries_process(*, limit: int | None = None) -> dict[int, str]:
    """Claim up to `limit` waiting deliveries (oldest first; rows other workers hold are skipped) and
    process them together: one transaction, a few queries for the whole batch. If the batch cannot
    be written as a whole (a concurrent insert of the same call, a lock timeout), it is rolled back
    and its deliveries are processed one by one, each with its own failure handling.
    Returns {delivery id: resulting status}; empty when nothing was waiting."""
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    claimed: list[int] = []
    try:
        with transaction.atomic():
            deliveries = list(
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("account", "endpoint__campaign")
                .defer(*ENDPOINT_SECRETS)
                .filter(_ready(), valid=True, status__in=PROCESSABLE)
                .order_by("received_at")[:limit]
            )
            claimed = [d.pk for d in deliveries]
            return _process_batch(deliveries) if deliveries else {}
    except Exception:
        if not claimed:
            raise
        logger.warning("webhook batch of %d failed as a whole; processing one by one", len(claimed), exc_info=True)
        return {pk: webhook_delivery_process(delivery_id=pk).status for pk in claimed}


def _process_batch(deliveries: list[WebhookDelivery]) -> dict[int, str]:
    window = timezone.now() - timedelta(days=settings.WEBHOOK_DEDUPE_DAYS)
    keys = {d.dedupe_key for d in deliveries if d.dedupe_key}
    _dedupe_lock(keys)
    seen = set(
        WebhookDelivery.objects.filter(
            dedupe_key__in=keys, status=WebhookDelivery.Status.PROCESSED, received_at__gte=window
        ).values_list("dedupe_key", flat=True)
    )
    outcome: dict[int, str] = {}
    failures: dict[int, tuple[Exception, str]] = {}
    # By origin: fresh deliveries are news, old ones (a replay) history. The call store takes every
    # account's events at once.
    work: dict[Origin, list[tuple[WebhookDelivery, CallEvent]]] = defaultdict(list)
    stored: dict[tuple, list[tuple[WebhookDelivery, NormalizedEvent]]] = defaultdict(list)
    now, window = timezone.now(), news_window()
    for delivery in deliveries:
        if delivery.dedupe_key and delivery.dedupe_key in seen:
            outcome[delivery.pk] = WebhookDelivery.Status.DUPLICATE
            continue
        if delivery.dedupe_key:
            seen.add(delivery.dedupe_key)
        try:
            events, others = _split_events(_delivery_events(delivery), delivery=delivery)
        except Exception as exc:
            failures[delivery.pk] = (exc, traceback.format_exc())
            continue
        origin = delivery_origin(received_at=delivery.received_at, now=now, window=window)
        if events:  # a delivery of ignored events only changes no call
            work[origin].extend((delivery, event) for event in events)
        for event in others:
            stored[(type(event), delivery.account_id, delivery.endpoint_id, origin)].append((delivery, event))
        outcome[delivery.pk] = WebhookDelivery.Status.PROCESSED

    links = []
    for origin, items in work.items():
        fallbacks = [(d.account, event, d.endpoint.campaign if d.endpoint else None) for d, event in items]
        results = calls_upsert_accounts(items=fallbacks, origin=origin)
        for (delivery, _), result in zip(items, results, strict=True):
            links.append(WebhookDelivery.calls.through(webhookdelivery_id=delivery.pk, call_id=result.call.pk))
    WebhookDelivery.calls.through.objects.bulk_create(links, ignore_conflicts=True)
    for (kind, _, _, origin), items in stored.items():
        delivery = items[0][0]
        fallback = delivery.endpoint.campaign if delivery.endpoint else None
        STORES[kind](account=delivery.account, events=[event for _, event in items], fallback=fallback, origin=origin)

    now = timezone.now()
    for status in (WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.DUPLICATE):
        ids = [pk for pk, s in outcome.items() if s == status]
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(
                status=status,
                attempts=F("attempts") + 1,
                processed_at=now,
                next_attempt_at=None,
                last_error="",
                traceback="",
            )
    for pk, (exc, trace) in failures.items():
        # Not transient: the stored body itself cannot be read. Kept failed for staff to replay.
        logger.error("webhook delivery %s failed: %s: %s", pk, type(exc).__name__, exc)
        WebhookDelivery.objects.filter(pk=pk).update(
            status=WebhookDelivery.Status.FAILED,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:5000],
            traceback=trace[-20000:],
        )
        outcome[pk] = WebhookDelivery.Status.FAILED
    for endpoint_id in {d.endpoint_id for d in deliveries if d.pk in failures}:
        webhook_failing_check(endpoint_id=endpoint_id)
    return outcome


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> bool:
    """Process a valid delivery again (after a fix); invalid ones are never replayed. True if queued."""
    if not delivery.valid:
        return False
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error="", traceback=""
        )
        transaction.on_commit(webhook_drain_request, robust=True)
    return True


def webhook_deliveries_purge() -> int:
    """Forget deliveries past retention: accepted ones after WEBHOOK_RETENTION_DAYS (never sooner than
    the de-duplication window), rejected ones (invalid, unmatched) after WEBHOOK_REJECTED_RETENTION_DAYS."""
    now = timezone.now()
    expired = Q(received_at__lt=now - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)) | Q(
        valid=False, received_at__lt=now - timedelta(days=settings.WEBHOOK_REJECTED_RETENTION_DAYS)
    )
    _, per_model = WebhookDelivery.objects.filter(expired).delete()
    return per_model.get(WebhookDelivery._meta.label, 0)
