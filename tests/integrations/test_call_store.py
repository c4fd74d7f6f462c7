"""The local call store: idempotent upserts, no regressions, attribution, rollups equal to recounts."""

import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from integrations.call_changes import Origin
from integrations.call_selectors import Interval, ProviderAccountScope, call_chart, call_summary
from integrations.call_services import call_rollups_rebuild, call_upsert
from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import Call, CallCounters, CallDailyRollup, Campaign, CampaignDailyMetric
from integrations.rollups import STATUS_COLUMNS
from tests.recount import chart_recount, summary_recount

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 7, 14, 30, tzinfo=UTC)


def event(call_id="1001", kind=CallEventKind.COMPLETED, status=CallStatus.ANSWERED, **fields) -> CallEvent:
    defaults = {
        "provider": "calltrackingmetrics",
        "provider_call_id": call_id,
        "provider_account_id": "25001",
        "kind": kind,
        "started_at": T0,
        "status": status,
        "direction": CallDirection.INBOUND,
        "tracking_number": "+15559876543",
        "caller_number": "+15551234567",
        "source": "Google Ads",
        "duration": 180,
        "talk_time": 150,
    }
    return CallEvent(**{**defaults, **fields})


def scope(account, start=date(2026, 1, 1), end=date(2026, 12, 31)) -> ProviderAccountScope:
    return ProviderAccountScope(
        account=account, provider="calltrackingmetrics", provider_account_id="25001", start=start, end=end
    )


def recount(window: ProviderAccountScope, interval: Interval | None = None):
    """The independent recount (tests/recount.py) of what `window` covers."""
    args = (window.account, window.provider_account_id, window.start, window.end)
    return chart_recount(*args, interval.value) if interval else summary_recount(*args)


def test_call_statuses_are_defined_once_in_events():
    """The stored choices and the rollup columns follow `CallStatus`: a new status needs a column."""
    assert [value for value, _ in Call._meta.get_field("status").choices] == [s.value for s in CallStatus]
    columns = {field.name for field in CallCounters._meta.get_fields()}
    assert set(STATUS_COLUMNS) == {s.value for s in CallStatus if s is not CallStatus.UNKNOWN}
    assert not STATUS_COLUMNS - columns, "a status without its rollup column"


def test_the_same_event_twice_is_one_call_counted_once(account):
    first = call_upsert(account=account, origin=Origin.DELIVERY, event=event())
    again = call_upsert(account=account, origin=Origin.DELIVERY, event=event())

    assert (first.created, again.created, again.changed) == (True, False, False)
    assert Call.objects.count() == 1
    summary = call_summary(scope=scope(account))
    assert (summary["total"], summary["answered"], summary["duration"]["total"]) == (1, 1, 180)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_insert_of_the_same_call_merges_instead_of_failing(account):
    """One transaction inserts the call and holds it; another's insert waits for it, fails on the
    unique key once it commits, and merges its event into that row."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row-level locking (PostgreSQL)")
    inserted, commit = threading.Event(), threading.Event()
    results, errors = [], []

    def in_thread(work) -> threading.Thread:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)
                inserted.set()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def first() -> None:
        with transaction.atomic():
            results.append(
                call_upsert(
                    account=account, origin=Origin.DELIVERY, event=event(status=CallStatus.IN_PROGRESS, duration=0)
                )
            )
            inserted.set()
            commit.wait(timeout=30)

    def second() -> None:
        results.append(
            call_upsert(
                account=account, origin=Origin.DELIVERY, event=event(recording_url="https://ctm.example/audio/1")
            )
        )

    holder = in_thread(first)
    assert inserted.wait(timeout=30) and not errors
    racer = in_thread(second)
    with connection.cursor() as cursor:  # the racer's insert is waiting on the holder's row
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the second insert never waited for the first")
    commit.set()
    for thread in (holder, racer):
        thread.join(timeout=60)

    assert not errors, errors
    assert [(r.created, r.changed, r.previous_status) for r in results] == [
        (True, True, None),
        (False, True, "in_progress"),
    ]
    call = Call.objects.get()
    assert (call.status, call.duration, call.recording_url) == ("answered", 180, "https://ctm.example/audio/1")
    assert call_summary(scope=scope(account)) == recount(scope(account))


def test_a_late_start_never_regresses_a_completed_call(account):
    call_upsert(account=account, origin=Origin.DELIVERY, event=event(recording_url="https://ctm.example/audio/1"))
    late_start = event(
        kind=CallEventKind.RECEIVED, status=CallStatus.IN_PROGRESS, duration=0, talk_time=0, recording_url="", source=""
    )

    result = call_upsert(account=account, origin=Origin.DELIVERY, event=late_start)

    call = result.call
    assert (call.status, call.duration, call.recording_url, call.source) == (
        "answered",
        180,
        "https://ctm.example/audio/1",
        "Google Ads",
    )
    assert result.changed is False
    assert call_summary(scope=scope(account))["by_status"]["in_progress"] == 0


def test_start_then_end_moves_the_call_from_in_progress_to_its_final_state(account):
    call_upsert(
        account=account,
        origin=Origin.DELIVERY,
        event=event(kind=CallEventKind.RECEIVED, status=CallStatus.IN_PROGRESS, duration=0),
    )
    assert call_summary(scope=scope(account))["by_status"]["in_progress"] == 1

    call_upsert(
        account=account, origin=Origin.DELIVERY, event=event(status=CallStatus.MISSED, duration=25, talk_time=0)
    )

    summary = call_summary(scope=scope(account))
    assert summary["total"] == 1
    assert summary["by_status"]["in_progress"] == 0 and summary["missed"] == 1
    assert summary["duration"]["total"] == 25


def test_calls_are_attributed_to_the_campaign_tracking_their_number(account):
    Campaign.objects.create(account=account, name="Other number", tracking_numbers=["+15550000000"])
    wanted = Campaign.objects.create(
        account=account, name="Spring", ctm_account_id="25001", tracking_numbers=["+15559876543"]
    )
    Campaign.objects.create(account=account, name="Disabled", tracking_numbers=["+15559876543"], status="disabled")
    fallback = Campaign.objects.create(account=account, name="Endpoint's campaign")

    tracked = call_upsert(account=account, origin=Origin.DELIVERY, event=event(), fallback_campaign=fallback).call
    untracked = call_upsert(
        account=account,
        origin=Origin.DELIVERY,
        event=event("1002", tracking_number="+15551111111"),
        fallback_campaign=fallback,
    ).call

    assert tracked.campaign == wanted
    assert untracked.campaign == fallback
    assert CampaignDailyMetric.objects.get(campaign=wanted).calls == 1


def test_days_are_the_accounts_local_days(account):
    account.timezone = "America/Los_Angeles"
    account.save()
    # 03:00 UTC on the 8th is still the 7th in Los Angeles.
    call_upsert(account=account, origin=Origin.DELIVERY, event=event(started_at=datetime(2026, 3, 8, 3, 0, tzinfo=UTC)))
    assert CallDailyRollup.objects.get().day == date(2026, 3, 7)


SOURCES = ["Google Ads", "Facebook", "Direct", ""]
STATUSES = list(CallStatus)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_recount_from_raw_calls_on_randomized_data(make_account, seed):
    rng = random.Random(seed)
    account = make_account(f"Random {seed}")
    account.timezone = rng.choice(["America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC"])
    account.save()
    campaigns = [
        Campaign.objects.create(account=account, name=f"C{i}", tracking_numbers=[f"+1555000000{i}"]) for i in range(3)
    ]
    # Around the March DST change, with every kind of event, repeated and out of order.
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for _ in range(400):
        call_id = str(rng.randint(1, 120))
        started = base + timedelta(minutes=rng.randint(0, 60 * 24 * 20))
        status = rng.choice(STATUSES)
        call_upsert(
            account=account,
            origin=Origin.DELIVERY,
            event=event(
                call_id,
                kind=rng.choice(list(CallEventKind)),
                status=status,
                started_at=started,
                source=rng.choice(SOURCES),
                tracking_number=rng.choice(["+15550000000", "+15550000001", "+15550000002", "+15557777777"]),
                duration=rng.randint(0, 900),
                talk_time=rng.randint(0, 600),
                is_first_time_caller=rng.random() < 0.3,
                provider_account_id=rng.choice(["25001", "25001", "25002"]),
            ),
            fallback_campaign=rng.choice([None, *campaigns]),
        )

    for window in (
        scope(account, date(2026, 3, 1), date(2026, 3, 31)),
        scope(account, date(2026, 3, 5), date(2026, 3, 9)),
    ):
        assert call_summary(scope=window) == recount(window)
        for interval in Interval:
            assert call_chart(scope=window, interval=interval) == recount(window, interval)
    assert call_summary(scope=scope(account))["total"] > 0

    for campaign in campaigns:
        metric_calls = sum(CampaignDailyMetric.objects.filter(campaign=campaign).values_list("calls", flat=True))
        assert metric_calls == Call.objects.filter(campaign=campaign).count()

    before = call_summary(scope=scope(account))
    call_rollups_rebuild(account=account)
    assert call_summary(scope=scope(account)) == before
    window = scope(account, date(2026, 3, 1), date(2026, 3, 31))
    assert call_summary(scope=window) == recount(window)
    assert call_chart(scope=window, interval=Interval.HOUR) == recount(window, Interval.HOUR)


def test_the_chart_is_zero_filled_and_dst_days_have_their_real_hours(account):
    account.timezone = "America/New_York"
    account.save()
    call_upsert(
        account=account, origin=Origin.DELIVERY, event=event(started_at=datetime(2026, 3, 8, 15, 0, tzinfo=UTC))
    )

    window = scope(account, date(2026, 3, 7), date(2026, 3, 9))
    days = call_chart(scope=window, interval=Interval.DAY)
    assert [(d["start"][:10], d["total"]) for d in days] == [("2026-03-07", 0), ("2026-03-08", 1), ("2026-03-09", 0)]
    hours = call_chart(scope=scope(account, date(2026, 3, 8), date(2026, 3, 8)), interval=Interval.HOUR)
    assert len(hours) == 23  # clocks spring forward
    assert [h["start"] for h in hours if h["total"]] == ["2026-03-08T11:00:00-04:00"]
    weeks = call_chart(scope=scope(account, date(2026, 3, 4), date(2026, 3, 17)), interval=Interval.WEEK)
    assert [w["start"][:10] for w in weeks] == ["2026-03-02", "2026-03-09", "2026-03-16"]


@pytest.mark.parametrize("seed", [11, 12])
def test_the_batch_upsert_gives_what_one_by_one_upserts_give(make_account, seed):
    from integrations.call_services import calls_upsert

    rng = random.Random(seed)
    one_by_one, batched = make_account("One by one"), make_account("Batched")
    campaigns = {
        a.pk: Campaign.objects.create(account=a, name="Tracked", tracking_numbers=["+15550000001"])
        for a in (one_by_one, batched)
    }
    events = [
        event(
            str(rng.randint(1, 25)),
            kind=rng.choice(list(CallEventKind)),
            status=rng.choice(STATUSES),
            started_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 60 * 24 * 5)),
            source=rng.choice(SOURCES),
            tracking_number=rng.choice(["+15550000001", "+15557777777"]),
            duration=rng.randint(0, 900),
            recording_url=rng.choice(["", "https://ctm.example/a.mp3"]),
        )
        for _ in range(150)
    ]
    expected = [call_upsert(account=one_by_one, origin=Origin.DELIVERY, event=e) for e in events]
    got = []
    for start in range(0, len(events), 40):
        got += calls_upsert(
            account=batched, origin=Origin.DELIVERY, items=[(e, None) for e in events[start : start + 40]]
        )

    assert [(r.created, r.changed, r.previous_status) for r in got] == [
        (r.created, r.changed, r.previous_status) for r in expected
    ]
    fields = ["provider_call_id", "status", "duration", "talk_time", "source", "recording_url", "started_at"]
    assert list(Call.objects.filter(account=batched).order_by("provider_call_id").values(*fields)) == list(
        Call.objects.filter(account=one_by_one).order_by("provider_call_id").values(*fields)
    )
    assert (
        Call.objects.filter(account=batched, campaign=campaigns[batched.pk]).count()
        == Call.objects.filter(account=one_by_one, campaign=campaigns[one_by_one.pk]).count()
    )
    window = date(2026, 2, 28), date(2026, 3, 8)
    assert call_summary(scope=scope(batched, *window)) == call_summary(scope=scope(one_by_one, *window))
    assert call_summary(scope=scope(batched, *window)) == recount(scope(batched, *window))
