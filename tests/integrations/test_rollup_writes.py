"""How rollups are written on the live path, and what a summary or chart costs to read.

The figures themselves are proven against recounts in test_call_store.py; these tests hold the
shapes that make the live path and the reports fast without losing a count: a call's rollup rows
are written in one statement, a row two transactions open at once counts both calls, and a report
reads its rollups in one query."""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integrations.call_changes import Origin
from integrations.call_selectors import ProviderAccountScope, call_summary
from integrations.call_services import call_upsert
from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import CallDailyRollup, CallSyncState, Campaign, CampaignDailyMetric, Key
from tests.conftest import api_client_for, owner_of
from tests.recount import summary_recount

T0 = datetime(2026, 3, 7, 14, 30, tzinfo=UTC)
ROLLUP_TABLES = ("calldailyrollup", "callhourlyrollup", "campaigndailymetric", "campaignhourlymetric")
BASE = "/v1/e/calltrackingmetrics"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement with data-modifying CTEs: PostgreSQL's path"
)


def event(call_id: str, **fields) -> CallEvent:
    defaults = {
        "provider": "calltrackingmetrics",
        "provider_call_id": call_id,
        "provider_account_id": "25001",
        "kind": CallEventKind.COMPLETED,
        "started_at": T0,
        "status": CallStatus.ANSWERED,
        "direction": CallDirection.INBOUND,
        "tracking_number": "+15559876543",
        "caller_number": "+15551234567",
        "source": "Google Ads",
        "duration": 180,
        "talk_time": 150,
    }
    return CallEvent(**{**defaults, **fields})


def whole_year(account) -> ProviderAccountScope:
    return ProviderAccountScope(
        account=account,
        provider="calltrackingmetrics",
        provider_account_id="25001",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )


def rollup_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if any(table in q["sql"] for table in ROLLUP_TABLES)]


@postgresql_only
@pytest.mark.django_db
def test_a_calls_rollups_are_written_in_one_statement_whether_it_arrives_or_moves(account):
    Campaign.objects.create(account=account, name="Ads", tracking_numbers=["+15559876543"])

    with CaptureQueriesContext(connection) as arrived:
        call_upsert(account=account, origin=Origin.DELIVERY, event=event("1", status=CallStatus.IN_PROGRESS))
    # It ends answered, on another source: every rollup row it was in loses it, others gain it.
    with CaptureQueriesContext(connection) as moved:
        call_upsert(account=account, origin=Origin.DELIVERY, event=event("1", source="Facebook"))

    assert len(rollup_statements(arrived.captured_queries)) == 1
    assert len(rollup_statements(moved.captured_queries)) == 1
    assert call_summary(scope=whole_year(account)) == summary_recount(
        account, "25001", date(2026, 1, 1), date(2026, 12, 31)
    )
    assert list(CampaignDailyMetric.objects.filter(calls__gt=0).values_list("source", "calls", "answered")) == [
        ("Facebook", 1, 1)
    ]
    emptied = CallDailyRollup.objects.get(source="Google Ads")
    assert (emptied.calls, emptied.in_progress) == (0, 0)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_calls_opening_the_same_rollup_row_at_once_are_both_counted(make_account):
    """The first call's transaction creates today's rollup rows and holds them; the second call's
    write of the same rows waits for it, then adds to them instead of failing or losing its count."""
    account = make_account("Concurrent")
    written, commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def in_thread(work) -> threading.Thread:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)
                written.set()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def first() -> None:
        with transaction.atomic():
            call_upsert(account=account, origin=Origin.DELIVERY, event=event("1"))
            written.set()
            commit.wait(timeout=30)

    def second() -> None:
        call_upsert(account=account, origin=Origin.DELIVERY, event=event("2", caller_number="+15550000002"))

    holder = in_thread(first)
    assert written.wait(timeout=30) and not errors
    racer = in_thread(second)
    with connection.cursor() as cursor:  # the second writer waits on the first one's new rollup rows
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the second call's rollup write never waited for the first")
    commit.set()
    for thread in (holder, racer):
        thread.join(timeout=60)

    assert not errors, errors
    row = CallDailyRollup.objects.get()
    assert (row.calls, row.answered, row.duration) == (2, 2, 360)
    assert call_summary(scope=whole_year(account)) == summary_recount(
        account, "25001", date(2026, 1, 1), date(2026, 12, 31)
    )


@pytest.mark.django_db
def test_a_ctm_summary_and_chart_read_the_store_in_three_queries_each(account, django_assert_num_queries):
    """Who the caller is (the JWT's user with the membership it acts through, one query), the tokenId
    with the last sync, the rollups."""
    key = Key.objects.create(account=account, username="u", password="p", access_key="a", secret="s")
    CallSyncState.objects.create(account=account, key=key, provider_account_id="25001", last_synced_at=T0)
    call_upsert(account=account, origin=Origin.DELIVERY, event=event("1"))
    client = api_client_for(owner_of(account))
    query = "start_date=2026-03-01&end_date=2026-03-31"

    with django_assert_num_queries(3):
        summary = client.get(f"{BASE}/{key.pk}/accounts/25001/calls/summary?{query}")
    with django_assert_num_queries(3):
        chart = client.get(f"{BASE}/{key.pk}/accounts/25001/calls/chart?{query}&interval=day")

    assert summary.json()["data"]["total"] == 1 and summary.json()["meta"]["last_synced_at"] == T0.isoformat()
    assert sum(bucket["total"] for bucket in chart.json()["data"]) == 1
    assert chart.json()["meta"]["last_synced_at"] == T0.isoformat()


@pytest.mark.django_db
def test_a_campaigns_summary_reads_the_store_in_four_queries(account, django_assert_num_queries):
    """The caller with the membership it acts through (one query), the campaign, its metrics, and
    which providers it has calls of (one probe per provider of the registry, in one query)."""
    campaign = Campaign.objects.create(account=account, name="Ads", tracking_numbers=["+15559876543"])
    call_upsert(account=account, origin=Origin.DELIVERY, event=event("1"))
    client = api_client_for(owner_of(account))

    with django_assert_num_queries(4):
        summary = client.get(f"/v1/campaigns/{campaign.pk}/summary?start_date=2026-03-01&end_date=2026-03-31")

    assert summary.json()["data"]["total"] == 1
    assert summary.json()["meta"]["providers"] == ["calltrackingmetrics"]
