"""The dashboard's health panels: inbound webhooks per endpoint (24 h by status, last error, oldest
waiting delivery, quiet endpoints), failed notification deliveries per channel, provider syncs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import inbound_webhook_health, notification_failures, provider_sync_overview
from integrations.models import CallSyncState, Key, WebhookDelivery, WebhookEndpoint
from notifications.models import Channel, Event, Notification, NotificationDelivery
from tests.conftest import owner_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
Status = WebhookDelivery.Status


def endpoint_of(account, name="Main line", provider="calltrackingmetrics") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(account=account, provider=provider, name=name)


def deliveries(endpoint, account, *ages: timedelta, status=Status.PROCESSED, now=NOW, **fields) -> None:
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            provider=endpoint.provider if endpoint else "calltrackingmetrics",
            endpoint=endpoint,
            account=account,
            received_at=now - age,
            path="/v1/e/x/",
            body=b"{}",
            valid=status != Status.INVALID,
            status=status,
            **fields,
        )
        for age in ages
    )


def every(step: timedelta, *, since: timedelta, until: timedelta = timedelta(days=7)) -> list[timedelta]:
    ages, age = [], since
    while age < until:
        ages.append(age)
        age += step
    return ages


def row_of(health, endpoint):
    return next(r for r in health.rows if r.endpoint == endpoint)


def test_an_endpoint_silent_for_3_times_its_usual_gap_is_quiet(account):
    quiet, busy = endpoint_of(account, "Quiet"), endpoint_of(account, "Busy")
    deliveries(quiet, account, *every(timedelta(minutes=20), since=timedelta(hours=5)))  # silent 5 h, usually 20 min
    deliveries(busy, account, *every(timedelta(minutes=20), since=timedelta(minutes=50)))  # silent 50 min < 1 h floor

    health = inbound_webhook_health(now=NOW)

    assert row_of(health, quiet).quiet and row_of(health, quiet).usual_gap == timedelta(minutes=20)
    assert not row_of(health, busy).quiet
    assert [r.endpoint for r in health.rows][:1] == [quiet]  # problems first


def test_a_rare_endpoint_is_not_quiet_before_3_of_its_gaps_and_one_delivery_says_nothing(account):
    rare, once = endpoint_of(account, "Rare"), endpoint_of(account, "Once")
    deliveries(rare, account, *every(timedelta(hours=6), since=timedelta(hours=17)))  # 3 x 6 h = 18 h > 17 h
    deliveries(once, account, timedelta(days=5))

    health = inbound_webhook_health(now=NOW)

    assert not row_of(health, rare).quiet
    assert not row_of(health, once).quiet and row_of(health, once).usual_gap is None
    later = inbound_webhook_health(now=NOW + timedelta(hours=2))  # silent 19 h > 3 x 6 h
    assert row_of(later, rare).quiet and later.rows[0].endpoint == rare


def test_the_last_24_hours_by_status_the_last_error_and_the_oldest_waiting_delivery(account):
    endpoint = endpoint_of(account)
    deliveries(endpoint, account, timedelta(hours=1), timedelta(hours=2), timedelta(hours=30))
    deliveries(endpoint, account, timedelta(hours=3), status=Status.FAILED, last_error="Traceback...\nKeyError: 'x'")
    deliveries(endpoint, account, timedelta(hours=50), status=Status.FAILED, last_error="older")
    deliveries(endpoint, account, timedelta(hours=2, minutes=30), status=Status.INVALID, error_code="BAD_SIGNATURE")
    deliveries(endpoint, account, timedelta(minutes=9), timedelta(minutes=4), status=Status.PENDING)

    row = row_of(inbound_webhook_health(now=NOW), endpoint)

    assert row.recent == {"processed": 2, "failed": 1, "invalid": 1, "pending": 2}  # the 30 h old one is not
    assert (row.last_error, row.last_error_at) == ("BAD_SIGNATURE", NOW - timedelta(hours=2, minutes=30))
    assert row.waiting_for == timedelta(minutes=9) and row.waiting_too_long
    assert not row.healthy


def test_the_shared_urls_are_one_row_and_filters_apply(account, make_account):
    other = make_account("Other")
    deliveries(None, None, timedelta(hours=1), timedelta(hours=2), status=Status.UNMATCHED)
    deliveries(endpoint_of(other), other, timedelta(hours=1))

    health = inbound_webhook_health(now=NOW)
    mine = inbound_webhook_health(account=account, now=NOW)

    assert row_of(health, None).recent == {"unmatched": 2} and row_of(health, None).label == "Shared URLs"
    assert len(health.rows) == 2 and mine.rows == []
    assert inbound_webhook_health(provider="callrail", now=NOW).rows == []


def test_failed_notification_deliveries_per_channel_with_the_latest_error(account):
    owner = owner_of(account)
    for channel, status, error in (
        (Channel.EMAIL, NotificationDelivery.Status.FAILED, "SMTP 550"),
        (Channel.EMAIL, NotificationDelivery.Status.FAILED, "SMTP 421"),
        (Channel.PUSH, NotificationDelivery.Status.RETRY, "FCM 503"),
        (Channel.PUSH, NotificationDelivery.Status.SENT, ""),
    ):
        notification = Notification.objects.create(account=account, recipient=owner, event=Event.WEBHOOK_FAILING)
        NotificationDelivery.objects.create(notification=notification, channel=channel, status=status, last_error=error)

    channels = {row.channel: row for row in notification_failures()}

    assert (channels["email"].failed, channels["email"].retrying, channels["email"].last_error) == (2, 0, "SMTP 421")
    assert (channels["push"].failed, channels["push"].retrying) == (0, 1)


def test_provider_syncs_failing_first_then_never_synced_then_the_longest_lag(account, make_account):
    key = Key.objects.create(account=account, username="u", password="p", access_key="a", secret="s")
    for provider_account_id, synced, error in (
        ("1", NOW - timedelta(minutes=3), ""),
        ("2", NOW - timedelta(hours=2), ""),
        ("3", None, ""),
        ("4", NOW - timedelta(minutes=1), "CTM answered 401"),
    ):
        CallSyncState.objects.create(
            account=account, key=key, provider_account_id=provider_account_id, last_synced_at=synced, last_error=error
        )

    sync = provider_sync_overview(now=NOW)

    assert [row.state.provider_account_id for row in sync.rows] == ["4", "3", "2", "1"]
    assert [row.lag for row in sync.rows] == [timedelta(minutes=1), None, timedelta(hours=2), timedelta(minutes=3)]
    assert [row.late for row in sync.rows] == [False, True, True, False]  # late: over 3 periods of 10 min


def test_the_page_explains_the_quiet_rule_and_links_to_the_deliveries(admin_client, account):
    endpoint, now = endpoint_of(account), datetime.now(UTC)
    deliveries(endpoint, account, *every(timedelta(minutes=20), since=timedelta(hours=5)), now=now)
    deliveries(endpoint, account, timedelta(hours=6), status=Status.FAILED, last_error="KeyError", now=now)

    page = admin_client.get("/admin/").content.decode()

    assert "3 times the average gap between them (at least 1 hour)" in page
    assert f"endpoint__id__exact={endpoint.pk}" in page and "status__exact=failed" in page
    assert "KeyError" in page and ">quiet<" in page


def test_the_index_makes_as_many_queries_with_more_endpoints_accounts_and_calls(admin_client, make_account):
    from tests.dashboard.world import build_health, build_world

    now = datetime.now(UTC)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/").status_code == 200
        return len(captured)

    build_health(build_world(calls_per_provider_account=5))
    some = queries()
    for n in range(6):
        other = make_account(f"More {n}")
        deliveries(endpoint_of(other), other, timedelta(hours=1), status=Status.FAILED, last_error="x", now=now)
        deliveries(None, None, timedelta(hours=2), status=Status.UNMATCHED, now=now)
    build_world(calls_per_provider_account=20, seed=5, prefix="More calls ")

    assert queries() == some
