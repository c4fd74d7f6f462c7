"""Call notifications come from the seam, whichever way a call arrives: a delivery, the periodic sync.
History notifies nobody: the first sync of an account, `ctm_sync --since`, a replay of an old delivery,
a sync's calls that ended longer ago than the window. CTM's API is intercepted at the HTTP boundary."""

import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.core.management import call_command
from django.utils import timezone

from integrations.models import CallSyncState, WebhookDelivery
from integrations.providers.ctm.credentials import config_save
from integrations.providers.ctm.tasks import ctm_calls_sync_account
from integrations.webhooks.processing import webhook_deliveries_process, webhook_delivery_replay
from notifications.models import Notification, NotificationPreference
from tests.conftest import ctm_url, deliver, endpoint_url, load_fixture, owner_of

pytestmark = pytest.mark.django_db

END = load_fixture("ctm", "webhook__end")


@pytest.fixture
def wants_call_events(account):
    owner = owner_of(account)
    for event in ("call_received", "call_missed"):
        NotificationPreference.objects.create(user=owner, event=event, channel="in_app", enabled=True)


def notified() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(event__startswith="call_").values_list("event", "context__call_id"))


def ctm_call(call_id: int, *, started: datetime, duration: int, dial_status: str = "no-answer") -> dict:
    return {
        **END,
        "id": call_id,
        "unix_time": int(started.timestamp()),
        "duration": duration,
        "talk_time": 0,
        "dial_status": dial_status,
        "call_status": "in-progress" if dial_status == "ringing" else "completed",
    }


@pytest.fixture
def ctm_calls(ctm):
    """CTM's call list for account 25001, served from this list (by each call's UTC day)."""
    calls: list[dict] = []

    def listing(request):
        day = parse_qs(urlparse(request.url).query)["start_date"][0]
        on_day = [c for c in calls if datetime.fromtimestamp(c["unix_time"], tz=UTC).date().isoformat() == day]
        return 200, {}, json.dumps({"calls": on_day, "page": 1, "total_pages": 1, "next_page": None})

    ctm.add_callback(responses.GET, re.compile(re.escape(ctm_url("/accounts/25001/calls.json")) + ".*"), listing)
    return calls


@pytest.fixture
def sync_state(account, ctm_key) -> CallSyncState:
    config_save(account=account, key=ctm_key, calltracking_account_id="25001")
    return CallSyncState.objects.create(account=account, key=ctm_key, provider_account_id="25001")


def recent_calls(now: datetime) -> list[dict]:
    return [
        ctm_call(501, started=now - timedelta(minutes=6), duration=60),  # missed, ended 5 minutes ago
        ctm_call(502, started=now - timedelta(hours=2, minutes=1), duration=60),  # missed, ended 2 hours ago
        ctm_call(503, started=now - timedelta(hours=3), duration=0, dial_status="ringing"),  # still going on
    ]


def test_an_incremental_sync_notifies_for_calls_that_ended_within_the_hour_or_go_on(
    sync_state, ctm_calls, wants_call_events
):
    now = timezone.now()
    CallSyncState.objects.filter(pk=sync_state.pk).update(watermark=int((now - timedelta(hours=4)).timestamp()))
    ctm_calls.extend(recent_calls(now))

    assert ctm_calls_sync_account(sync_state.pk) == 3  # the periodic task, run here

    assert notified() == [("call_missed", "501"), ("call_received", "501"), ("call_received", "503")]


def test_the_first_sync_of_an_account_notifies_nobody(sync_state, ctm_calls, wants_call_events):
    ctm_calls.extend(recent_calls(timezone.now()))

    assert ctm_calls_sync_account(sync_state.pk) == 3

    assert notified() == []
    sync_state.refresh_from_db()
    assert sync_state.watermark > 0  # the next run is incremental, and its new calls notify
    ctm_calls.append(ctm_call(504, started=timezone.now() - timedelta(minutes=2), duration=30))
    ctm_calls_sync_account(sync_state.pk)
    assert notified() == [("call_missed", "504"), ("call_received", "504")]


def test_a_backfill_with_since_notifies_nobody(sync_state, ctm_calls, wants_call_events):
    now = timezone.now()
    CallSyncState.objects.filter(pk=sync_state.pk).update(watermark=int((now - timedelta(hours=4)).timestamp()))
    ctm_calls.extend(recent_calls(now))

    call_command(
        "ctm_sync", "--account", "25001", "--since", (now - timedelta(days=1)).date().isoformat(), stdout=StringIO()
    )

    assert notified() == []


def test_a_replay_of_an_old_delivery_notifies_nobody(client, endpoint, wants_call_events):
    url = endpoint_url(endpoint)
    old = deliver(client, url, {**END, "id": 601, "dial_status": "no-answer"}).json()["data"]["delivery_id"]
    recent = deliver(client, url, {**END, "id": 602, "dial_status": "no-answer"}).json()["data"]["delivery_id"]
    for delivery_id, age in ((old, timedelta(hours=2)), (recent, timedelta(minutes=5))):
        WebhookDelivery.objects.filter(pk=delivery_id).update(status="failed", received_at=timezone.now() - age)
        webhook_delivery_replay(delivery=WebhookDelivery.objects.get(pk=delivery_id))

    assert set(webhook_deliveries_process().values()) == {"processed"}

    assert notified() == [("call_missed", "602"), ("call_received", "602")]
