"""The incremental call sync into the local store, and summary/chart served from it."""

import contextlib
import logging
import re
import sys
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations.models import Call, CallDailyRollup, CallSyncState, Key
from integrations.providers.ctm.credentials import config_save
from integrations.providers.ctm.sync import call_sync_targets_refresh, ctm_calls_sync
from tests.recount import chart_recount, summary_recount

pytestmark = pytest.mark.django_db

BASE = "/v1/e/calltrackingmetrics"


@pytest.fixture
def configured(account, sandbox_token) -> CallSyncState:
    config_save(account=account, key=Key.objects.get(pk=sandbox_token), calltracking_account_id="25001")
    (state,) = call_sync_targets_refresh()
    return state


def sync(state: CallSyncState, days: int = 6):
    state.refresh_from_db()
    return ctm_calls_sync(state=state, since=timezone.now().date() - timedelta(days=days))


def test_sync_stores_calls_and_moves_the_watermark(configured, account):
    result = sync(configured)

    configured.refresh_from_db()
    stored = Call.objects.filter(account=account, provider_account_id="25001")
    assert result.calls_seen == stored.count() > 50
    assert configured.watermark == max(int(c.started_at.timestamp()) for c in stored)
    assert configured.last_synced_at is not None and configured.last_error == ""
    assert configured.calls_synced == stored.count()


def test_running_the_sync_twice_changes_nothing(configured, account):
    sync(configured)
    rollups_before = list(CallDailyRollup.objects.order_by("day", "source").values())
    calls_before = list(Call.objects.order_by("pk").values("pk", "status", "duration", "updated_at"))

    again = sync(configured)

    assert again.calls_seen > 0 and again.calls_changed == 0
    assert list(CallDailyRollup.objects.order_by("day", "source").values()) == rollups_before
    assert list(Call.objects.order_by("pk").values("pk", "status", "duration", "updated_at")) == calls_before


def test_the_next_run_starts_from_the_watermark_with_a_day_of_overlap(configured, ctm_sandbox):
    sync(configured, days=6)
    configured.refresh_from_db()
    ctm_sandbox.reset()

    ctm_calls_sync(state=configured)  # no `since`: from the watermark

    days_asked = sorted({date.fromisoformat(q["start_date"][0]) for p, q in ctm_sandbox.queries_seen if "/calls" in p})
    watermark_day = datetime.fromtimestamp(configured.watermark, tz=UTC).date()
    tomorrow = datetime.now(tz=UTC).date() + timedelta(days=1)
    expected_first = watermark_day - timedelta(days=1)
    assert days_asked == [expected_first + timedelta(days=n) for n in range((tomorrow - expected_first).days + 1)]
    assert len(days_asked) <= 4  # not the six days synced before


def calls_days_asked(sandbox) -> list[date]:
    """The days the sync asked CTM for, in order (a page asked twice, e.g. after a 429, counts twice)."""
    return [date.fromisoformat(q["start_date"][0]) for p, q in sandbox.queries_seen if p.endswith("/calls.json")]


def test_a_429_within_the_retries_is_waited_out_and_no_day_is_lost(configured, ctm_sandbox, account):
    since = timezone.now().date() - timedelta(days=2)
    ctm_sandbox.misbehave(status=429, retry_after=0, times=2, path="/calls")

    result = ctm_calls_sync(state=configured, since=since)

    asked = calls_days_asked(ctm_sandbox)
    assert asked[:3] == [since] * 3  # the first day was refused twice, then asked again
    assert result.days_done == result.days_total == 4
    assert result.calls_seen == Call.objects.filter(account=account).count() > 0
    ctm_sandbox.reset()
    again = ctm_calls_sync(state=configured, since=since)  # a clean run finds nothing the first one missed
    assert (again.calls_seen, again.calls_changed) == (result.calls_seen, 0)


def test_a_rate_limit_that_outlasts_the_retries_stops_at_a_day_and_the_next_run_resumes_there(
    configured, ctm_sandbox, account
):
    from integrations.providers.ctm.errors import CtmRateLimited

    since = timezone.now().date() - timedelta(days=6)
    finished: list = []

    def rate_limited_after_three_days(progress) -> None:
        finished.append((progress.day, progress.calls_seen))
        if progress.days_done == 3:  # from the fourth day on, CTM says "come back in 10 minutes"
            ctm_sandbox.misbehave(status=429, retry_after=600, times=1000, path="/calls")

    with pytest.raises(CtmRateLimited):
        ctm_calls_sync(state=configured, since=since, progress=rate_limited_after_three_days)

    configured.refresh_from_db()
    stored = list(Call.objects.filter(account=account))
    assert [day for day, _ in finished] == [since + timedelta(days=n) for n in range(3)]
    assert len(stored) == finished[-1][1] > 0  # the three finished days are kept, nothing else
    assert configured.watermark == max(int(c.started_at.timestamp()) for c in stored)
    assert "CtmRateLimited" in configured.last_error and configured.last_synced_at is None
    watermark = configured.watermark

    ctm_sandbox.reset()
    resumed = ctm_calls_sync(state=configured)  # no `since`: from the watermark

    asked = sorted(set(calls_days_asked(ctm_sandbox)))
    watermark_day = datetime.fromtimestamp(watermark, tz=UTC).date()
    tomorrow = datetime.now(tz=UTC).date() + timedelta(days=1)
    assert asked[0] == watermark_day - timedelta(days=1)  # one day of overlap before the watermark...
    assert asked == [asked[0] + timedelta(days=n) for n in range((tomorrow - asked[0]).days + 1)]
    assert asked[0] > since  # ...and not the finished days before it
    configured.refresh_from_db()
    assert configured.watermark >= watermark and configured.last_error == ""
    assert resumed.calls_changed == Call.objects.filter(account=account).count() - len(stored) > 0
    ctm_sandbox.reset()
    assert ctm_calls_sync(state=configured, since=since).calls_changed == 0  # nothing is missing


def test_summary_and_chart_come_from_the_local_store_and_equal_a_recount(api, configured, account, ctm_sandbox):
    sync(configured, days=40)
    today = timezone.now().astimezone(UTC).date()
    start, end = today - timedelta(days=29), today
    ctm_sandbox.misbehave(status=500, times=1000)  # CTM is down: the local store still answers

    summary = api.get(f"{BASE}/{configured.key_id}/accounts/25001/calls/summary?start_date={start}&end_date={end}")
    chart = api.get(f"{BASE}/{configured.key_id}/accounts/25001/calls/chart?start_date={start}&end_date={end}")

    assert summary.status_code == 200 and chart.status_code == 200
    assert summary.json()["data"] == summary_recount(account, "25001", start, end)
    assert chart.json()["data"] == chart_recount(account, "25001", start, end, "day")
    data = summary.json()["data"]
    assert data["total"] > 300 and 0 < data["answer_rate"] < 1
    assert data["total"] == sum(data["by_status"].values()) == sum(s["calls"] for s in data["by_source"])
    assert len(chart.json()["data"]) == 30
    meta = summary.json()["meta"]
    assert meta["last_synced_at"] and meta["timezone"] == account.timezone and meta["source"] == "local"


def test_chart_intervals_and_their_limits(api, configured):
    sync(configured, days=3)
    url = f"{BASE}/{configured.key_id}/accounts/25001/calls/chart"
    today = timezone.now().date()

    hours = api.get(f"{url}?interval=hour&start_date={today - timedelta(days=1)}&end_date={today}").json()
    assert len(hours["data"]) in (47, 48, 49) and hours["meta"]["interval"] == "hour"
    weeks = api.get(f"{url}?interval=week&start_date={today - timedelta(days=60)}&end_date={today}").json()["data"]
    assert all(date.fromisoformat(w["start"][:10]).weekday() == 0 for w in weeks)

    too_long = api.get(f"{url}?interval=hour&start_date={today - timedelta(days=40)}&end_date={today}")
    assert too_long.status_code == 400 and "interval" in too_long.json()["errors"]
    bad = api.get(f"{url}?interval=minute")
    assert bad.status_code == 400 and "interval" in bad.json()["errors"]
    huge = api.get(f"{url}?start_date=2020-01-01&end_date=2026-01-01")
    assert huge.status_code == 400 and "start_date" in huge.json()["errors"]


def test_summary_before_any_sync_is_empty_and_says_so(api, sandbox_token):
    response = api.get(f"{BASE}/{sandbox_token}/accounts/25001/calls/summary")
    assert response.status_code == 200
    assert response.json()["data"]["total"] == 0
    assert response.json()["meta"]["last_synced_at"] is None


def test_ctm_sync_command_backfills_with_a_progress_bar(configured, account):
    out = StringIO()
    since = (timezone.now().date() - timedelta(days=3)).isoformat()

    call_command("ctm_sync", "--account", "25001", "--since", since, stdout=out)

    text = out.getvalue()
    assert "5/5" in text and "Done:" in text
    assert Call.objects.filter(account=account).count() > 0


def test_ctm_sync_log_lines_are_never_glued_to_the_progress_bar(configured, account):
    """In a terminal the bar and the log share the screen: every log record gets a line of its own."""
    screen = StringIO()  # what a terminal shows: stdout and stderr interleaved
    since = (timezone.now().date() - timedelta(days=3)).isoformat()
    with contextlib.redirect_stderr(screen):
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(console)
        try:
            call_command("ctm_sync", "--account", "25001", "--since", since, stdout=screen)
        finally:
            logging.getLogger().removeHandler(console)

    pieces = re.split(r"[\r\n]", screen.getvalue())
    requests_logged = [piece for piece in pieces if "ctm GET" in piece]
    assert requests_logged, "the CTM client logs its requests at INFO"
    assert all(re.match(r"\d{4}-\d\d-\d\d ", piece) for piece in requests_logged), requests_logged[:3]


def test_ctm_sync_command_refuses_an_unconfigured_account(db):
    with pytest.raises(CommandError, match="not configured"):
        call_command("ctm_sync", "--account", "424242", "--since", "2026-01-01", stdout=StringIO())
