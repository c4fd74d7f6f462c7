"""A batch of deliveries costs the same handful of statements however many tenants it spans.

With a thousand tenants a batch of a hundred deliveries touches almost as many accounts; when each
account cost its own queries (stored calls, campaigns, rollups per row, owners and preferences per
owner, a task per email), the worker processed about 20 deliveries per second. The figures (calls,
rollups, notifications) must come out as they do delivery by delivery."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.call_selectors import ProviderAccountScope, call_summary
from integrations.models import Call, Campaign, WebhookDelivery
from integrations.webhooks.endpoints import webhook_endpoint_create
from integrations.webhooks.processing import webhook_deliveries_process
from notifications.models import Notification, NotificationDelivery, NotificationPreference
from tests.conftest import owner_of

pytestmark = pytest.mark.django_db


def tenant(make_account, n: int, parent=None):
    account = make_account(f"Tenant {n}", parent=parent)
    campaign = Campaign.objects.create(account=account, name=f"Calls {n}", integration="calltracker")
    endpoint = webhook_endpoint_create(account=account, provider="calltracker", campaign=campaign).endpoint
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=owner_of(account), event=event, channel=channel, enabled=True)
        for event in ("call_received", "call_missed")
        for channel in ("in_app", "email")
    )
    return account, endpoint


def store(endpoint, *, call_id: int, kind: str, missed: bool = False) -> None:
    started = datetime(2026, 11, 20, 15, 0, tzinfo=UTC) + timedelta(minutes=call_id % 50)
    event = {"start": "call.received", "end": "call.finished"}[kind]
    data = {
        "id": call_id,
        "tracking_number": "+15550001111",
        "caller_number": f"+1646{call_id:07d}",
        "status": "ringing" if kind == "start" else ("no-answer" if missed else "answered"),
        "timestamp": started.isoformat().replace("+00:00", "Z"),
        "call_duration": 0 if kind == "start" else 70,
        "recording_duration": 0 if kind == "start" else 58,
        "source_channel": "organic",
    }
    body = json.dumps({"type": event, "object": "call", "data": data, "timestamp": started.isoformat()}).encode()
    WebhookDelivery.objects.create(
        provider="calltracker",
        endpoint=endpoint,
        account=endpoint.account,
        path="/",
        body=body,
        body_size=len(body),
        valid=True,
        event=event,
        status=WebhookDelivery.Status.PENDING,
        received_at=timezone.now(),
    )


def batch_of(make_account, tenants: int, first: int) -> tuple[list, int]:
    """`tenants` new tenants (every third a sub-account of the first), each with a call started earlier
    and a delivery of its end, and a new call's start: the batch processes both, with their
    notifications. Returns the tenants and the statements the batch took."""
    made = []
    for n in range(tenants):
        parent = made[0][0] if made and n % 3 == 2 else None
        made.append(tenant(make_account, first + n, parent=parent))
    for n, (_, endpoint) in enumerate(made):
        store(endpoint, call_id=first * 100 + n, kind="start")
    webhook_deliveries_process(limit=1000)
    for n, (_, endpoint) in enumerate(made):
        store(endpoint, call_id=first * 100 + n, kind="end", missed=n % 2 == 0)
        store(endpoint, call_id=first * 100 + 50 + n, kind="start")
    with CaptureQueriesContext(connection) as queries:
        outcome = webhook_deliveries_process(limit=1000)
    assert set(outcome.values()) == {"processed"} and len(outcome) == 2 * tenants
    return made, len(queries)


def test_a_batch_of_many_tenants_takes_as_many_statements_as_a_batch_of_few(make_account):
    _, few = batch_of(make_account, 3, first=1)
    made, many = batch_of(make_account, 12, first=100)

    assert many == few, f"3 tenants: {few} statements, 12 tenants: {many}"
    assert few < 40
    for n, (account, _) in enumerate(made):
        calls = {c.provider_call_id: c.status for c in Call.objects.filter(account=account)}
        assert calls == {str(10000 + n): "missed" if n % 2 == 0 else "answered", str(10050 + n): "in_progress"}
        day = datetime(2026, 11, 20).date()
        scope = ProviderAccountScope(
            account=account, provider="calltracker", provider_account_id="", start=day, end=day
        )
        summary = call_summary(scope=scope)
        assert (summary["total"], summary["missed"], summary["answered"]) == (2, 1 - n % 2, n % 2)
        # Both starts were news: call_received each; the missed end: call_missed; for the owner, and
        # a sub-account's parent owner too.
        recipients = 2 if n % 3 == 2 else 1
        events = sorted(Notification.objects.filter(account=account).values_list("event", flat=True))
        expected = ["call_received"] * 2 + (["call_missed"] if n % 2 == 0 else [])
        assert events == sorted(expected * recipients)
        assert NotificationDelivery.objects.filter(notification__account=account, channel="email").count() == len(
            events
        )
