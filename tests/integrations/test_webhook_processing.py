"""Processing stored deliveries: order-independent, de-duplicated, counted once, failures kept."""

import json
import threading
from datetime import timedelta

import pytest
import requests
from django.db import connection, connections
from django.utils import timezone

from integrations.call_selectors import ProviderAccountScope, call_summary
from integrations.models import Call, CallDailyRollup, CampaignDailyMetric, WebhookDelivery
from integrations.webhooks.processing import (
    webhook_deliveries_due,
    webhook_deliveries_process,
    webhook_delivery_process,
    webhook_delivery_replay,
)
from notifications.models import Notification, NotificationPreference
from tests.conftest import WEBHOOK_LOGIN, WEBHOOK_SECRET, deliver, endpoint_url, load_fixture, owner_of
from tests.webhook_helpers import ctm_headers, encode

START = load_fixture("ctm", "webhook__start")
END = load_fixture("ctm", "webhook__end")
MISSED = load_fixture("ctm", "webhook__end_missed")


def receive_and_process(client, endpoint, payload, event=""):
    url = endpoint_url(endpoint) + (f"?event={event}" if event else "")
    response = deliver(client, url, payload)
    assert response.status_code == 200, response.json()
    delivery_id = response.json()["data"]["delivery_id"]
    return webhook_delivery_process(delivery_id=delivery_id), WebhookDelivery.objects.get(pk=delivery_id)


def totals(account) -> dict:
    scope = ProviderAccountScope(
        account=account,
        provider="calltrackingmetrics",
        provider_account_id="25001",
        start=timezone.now().date() - timedelta(days=400),
        end=timezone.now().date() + timedelta(days=1),
    )
    return call_summary(scope=scope)


@pytest.mark.django_db
def test_start_then_end_makes_one_completed_call_attributed_to_the_campaign(client, endpoint, campaign, account):
    receive_and_process(client, endpoint, START, "call.received")
    assert Call.objects.get().status == "in_progress"

    outcome, delivery = receive_and_process(client, endpoint, END, "call.completed")

    assert outcome.status == "processed"
    call = Call.objects.get()
    assert (call.status, call.duration, call.talk_time, call.campaign) == ("answered", 187, 164, campaign)
    assert call.recording_url.endswith("/audio") and call.is_first_time_caller
    assert list(delivery.calls.all()) == [call]
    assert (totals(account)["total"], totals(account)["answered"]) == (1, 1)
    assert CampaignDailyMetric.objects.get(campaign=campaign).calls == 1


@pytest.mark.django_db
def test_an_update_after_the_end_merges_without_losing_data(client, endpoint):
    receive_and_process(client, endpoint, END)
    update = {
        "id": END["id"],
        "account_id": 25001,
        "unix_time": END["unix_time"],
        "dial_status": "answered",
        "duration": 187,
        "talk_time": 164,
        "source": "Google Ads (retargeting)",
    }

    receive_and_process(client, endpoint, update, "call.updated")

    call = Call.objects.get()
    assert call.source == "Google Ads (retargeting)"
    assert call.recording_url.endswith("/audio") and call.caller_number == "+15551234567"


@pytest.mark.django_db
def test_processing_twice_does_nothing_the_second_time(client, endpoint, account):
    _, delivery = receive_and_process(client, endpoint, END)
    assert webhook_delivery_process(delivery_id=delivery.pk).status == "skipped"
    assert totals(account)["total"] == 1


@pytest.mark.django_db
def test_call_notifications_follow_preferences(client, endpoint, account):
    owner = owner_of(account)
    receive_and_process(client, endpoint, MISSED)
    assert not Notification.objects.filter(event__startswith="call_").exists()  # off by default

    NotificationPreference.objects.create(user=owner, event="call_missed", channel="in_app", enabled=True)
    receive_and_process(client, endpoint, {**MISSED, "id": 555})
    (notification,) = Notification.objects.filter(event__startswith="call_")
    assert (notification.event, notification.recipient) == ("call_missed", owner)
    assert notification.context["caller_number"] == "+15557654321"


@pytest.mark.django_db
def test_a_delivery_that_cannot_be_processed_fails_with_its_traceback_and_can_be_replayed(client, endpoint):
    response = deliver(client, endpoint_url(endpoint), END)
    delivery = WebhookDelivery.objects.get(pk=response.json()["data"]["delivery_id"])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(body=b"{ corrupted")  # e.g. a bug in an old version

    assert webhook_delivery_process(delivery_id=delivery.pk).status == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "not valid JSON" in delivery.last_error
    assert "Traceback" in delivery.traceback and delivery.attempts == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(body=json.dumps(END).encode())
    assert webhook_delivery_replay(delivery=delivery)
    assert webhook_delivery_process(delivery_id=delivery.pk).status == "processed"
    assert Call.objects.count() == 1


@pytest.mark.django_db
def test_invalid_deliveries_are_never_replayed(client, endpoint):
    deliver(client, endpoint_url(endpoint), END, secret="wrong")
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_replay(delivery=delivery) is False
    assert webhook_delivery_process(delivery_id=delivery.pk).status == "skipped"
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_the_sweeper_sees_deliveries_nobody_processed(client, endpoint, settings):
    settings.WEBHOOK_SWEEP_AFTER = 60
    deliver(client, endpoint_url(endpoint), END)
    assert webhook_deliveries_due() is False  # fresh: its own drain is on the way

    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert webhook_deliveries_due() is True

    webhook_deliveries_process()
    assert webhook_deliveries_due() is False


@pytest.mark.django_db
def test_a_batch_handles_starts_ends_duplicates_and_unreadable_bodies_together(client, endpoint, account):
    ids = [
        deliver(client, endpoint_url(endpoint) + query, payload).json()["data"]["delivery_id"]
        for query, payload in [("?event=call.received", START), ("", END), ("", END), ("", MISSED), ("", END)]
    ]
    WebhookDelivery.objects.filter(pk=ids[4]).update(body=b"{ unreadable", dedupe_key="something-else")

    outcome = webhook_deliveries_process()

    assert outcome == {
        ids[0]: "processed",
        ids[1]: "processed",
        ids[2]: "duplicate",
        ids[3]: "processed",
        ids[4]: "failed",
    }
    assert webhook_deliveries_process() == {}  # nothing left waiting
    calls = {c.provider_call_id: c for c in Call.objects.all()}
    assert (calls["9001234"].status, calls["9001234"].duration) == ("answered", 187)
    assert calls["9001235"].status == "missed"
    assert (totals(account)["total"], totals(account)["answered"], totals(account)["missed"]) == (2, 1, 1)
    assert set(WebhookDelivery.objects.get(pk=ids[1]).calls.values_list("provider_call_id", flat=True)) == {"9001234"}
    assert "Traceback" in WebhookDelivery.objects.get(pk=ids[4]).traceback


@pytest.mark.django_db
def test_retries_wait_for_their_time(client, endpoint):
    delivery_id = deliver(client, endpoint_url(endpoint), END).json()["data"]["delivery_id"]
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status="retry", next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert webhook_deliveries_process() == {}
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_process() == {delivery_id: "processed"}


@pytest.mark.django_db(transaction=True)
def test_a_transient_database_error_is_retried_with_backoff_then_fails(client, endpoint, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    delivery_id = deliver(client, endpoint_url(endpoint), END).json()["data"]["delivery_id"]
    blocker = connections.create_connection("default")
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f'LOCK TABLE "{Call._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
            with connection.cursor() as ours:
                ours.execute("SET lock_timeout = '300ms'")
            # the batch cannot get its lock, so it falls back to one by one, which retries later
            first = webhook_deliveries_process()
            delivery = WebhookDelivery.objects.get(pk=delivery_id)
            assert first == {delivery_id: "retry"} and delivery.next_attempt_at > timezone.now()
            assert "lock" in delivery.last_error.lower()
            second = webhook_delivery_process(delivery_id=delivery_id)
            assert second.status == "failed"
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()
        with connection.cursor() as ours:
            ours.execute("SET lock_timeout = 0")
    assert not Call.objects.exists()


def concurrently(count: int, work) -> list:
    """Run `work(n)` in `count` threads, each with its own database connection, released together."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            connection.ensure_connection()  # connect first, so that the barrier lines up the real work
            barrier.wait(timeout=30)
            results.append(work(n))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def post_concurrently(live_server, endpoint, body: bytes, count: int) -> list[int]:
    headers = {
        k[5:].replace("_", "-"): v
        for k, v in ctm_headers(
            body, secret=WEBHOOK_SECRET, username=WEBHOOK_LOGIN[0], password=WEBHOOK_LOGIN[1]
        ).items()
    }
    headers["Content-Type"] = "application/json"
    url = f"{live_server.url}{endpoint_url(endpoint)}"
    answers = concurrently(count, lambda _: requests.post(url, data=body, headers=headers, timeout=30).status_code)
    assert answers == [200] * count
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


def assert_processed_once(account) -> None:
    statuses = sorted(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == ["duplicate"] * 19 + ["processed"]
    assert Call.objects.count() == 1
    assert sum(CallDailyRollup.objects.values_list("calls", flat=True)) == 1
    assert totals(account)["answered"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_posted_20_times_and_processed_concurrently_is_processed_once(live_server, endpoint, account):
    ids = post_concurrently(live_server, endpoint, encode(END), 20)

    outcomes = concurrently(20, lambda n: webhook_delivery_process(delivery_id=ids[n]).status)

    assert sorted(outcomes) == ["duplicate"] * 19 + ["processed"]
    assert_processed_once(account)


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_claiming_different_copies_process_the_body_once(live_server, endpoint, account):
    post_concurrently(live_server, endpoint, encode(END), 20)

    def drain(_) -> dict[int, str]:
        outcome: dict[int, str] = {}
        while batch := webhook_deliveries_process(limit=2):  # each drain skips the copies the others hold
            outcome.update(batch)
        return outcome

    outcomes = [status for drained in concurrently(5, drain) for status in drained.values()]

    assert sorted(outcomes) == ["duplicate"] * 19 + ["processed"]
    assert_processed_once(account)


@pytest.mark.django_db
def test_purge_forgets_deliveries_past_retention_but_never_inside_the_dedupe_window(client, endpoint, settings):
    from integrations.webhooks.processing import webhook_deliveries_purge

    old, recent = (
        deliver(client, endpoint_url(endpoint), {**END, "id": n}).json()["data"]["delivery_id"] for n in (1, 2)
    )
    WebhookDelivery.objects.filter(pk=old).update(received_at=timezone.now() - timedelta(days=31))
    WebhookDelivery.objects.filter(pk=recent).update(received_at=timezone.now() - timedelta(days=7))

    assert webhook_deliveries_purge() == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent]
    assert settings.WEBHOOK_RETENTION_DAYS >= settings.WEBHOOK_DEDUPE_DAYS >= 7
