"""bench/summary: summary + chart over 90 days of a 1,000,000-call account (its CTM account's, and its
campaign's, which holds every call), against a raw recount.

Run: `.venv/bin/python bench/summary [--calls N] [--iterations N]` (PostgreSQL: DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ctm_bench; the database is created if missing and reused).
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ensure_database, percentile, prepare_environment

prepare_environment()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--recounts", type=int, default=10)
    args = parser.parse_args()

    import os

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    call_command("migrate", verbosity=0)
    from accounts.models import Account
    from accounts.services import account_create
    from integrations.call_selectors import CampaignScope, Interval, ProviderAccountScope, call_chart, call_summary
    from integrations.call_services import call_rollups_rebuild
    from integrations.models import Call, CallDailyRollup, Campaign, Key

    name = f"bench-summary-{args.calls}"
    account = Account.objects.filter(name=name).first()
    last_day = date(2026, 10, 31)
    first_day = last_day - timedelta(days=args.days - 1)
    if account is None or Call.objects.filter(account=account).count() != args.calls:
        if account is not None:
            account.delete()
        account = account_create(
            name=name, owner_email=f"{name}@bench.example", owner_password="Bench-pass-123", timezone="America/New_York"
        )
        load(account, args.calls, first_day, args.days)
    print(
        f"account {account.id}: {Call.objects.filter(account=account).count():,} calls, "
        f"{first_day} .. {last_day} ({account.timezone})"
    )
    # Every call is the campaign's too: its report (from campaign metrics) must say what the CTM account's says.
    campaign = Campaign.objects.filter(account=account).first() or Campaign.objects.create(account=account, name="All")
    if Call.objects.filter(account=account, campaign__isnull=True).exists():
        Call.objects.filter(account=account).update(campaign=campaign)
    started = time.perf_counter()
    call_rollups_rebuild(account=account)
    print(
        f"rollups rebuilt from raw calls in {time.perf_counter() - started:.1f} s "
        f"({CallDailyRollup.objects.filter(account=account).count():,} daily rows)"
    )

    key = Key.objects.filter(account=account).first() or Key.objects.create(
        account=account, username="bench", password="bench", access_key="bench", secret="bench"
    )
    user = account.memberships.get().user
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    rng = random.Random(7)

    def window() -> ProviderAccountScope:
        start = first_day + timedelta(days=rng.randint(0, args.days - 90))
        return ProviderAccountScope(
            account=account,
            provider="calltrackingmetrics",
            provider_account_id="25001",
            start=start,
            end=start + timedelta(days=89),
        )

    selector_ms, api_ms, campaign_ms = [], [], []
    for _ in range(args.iterations):
        scope = window()
        t0 = time.perf_counter()
        call_summary(scope=scope)
        call_chart(scope=scope, interval=Interval.DAY)
        selector_ms.append((time.perf_counter() - t0) * 1000)

        base = f"/v1/e/calltrackingmetrics/{key.id}/accounts/25001/calls"
        query = f"start_date={scope.start}&end_date={scope.end}"
        t0 = time.perf_counter()
        summary = client.get(f"{base}/summary?{query}")
        chart = client.get(f"{base}/chart?{query}&interval=day")
        api_ms.append((time.perf_counter() - t0) * 1000)
        assert summary.status_code == 200 and chart.status_code == 200, summary.content

        base = f"/v1/campaigns/{campaign.pk}"
        t0 = time.perf_counter()
        summary = client.get(f"{base}/summary?{query}")
        chart = client.get(f"{base}/chart?{query}&interval=day")
        campaign_ms.append((time.perf_counter() - t0) * 1000)
        assert summary.status_code == 200 and chart.status_code == 200, summary.content

    recount_ms, equal = [], True
    for _ in range(args.recounts):
        scope = window()
        t0 = time.perf_counter()
        raw_summary, raw_chart = recount(scope)
        recount_ms.append((time.perf_counter() - t0) * 1000)
        of_campaign = CampaignScope(account=account, campaign=campaign, start=scope.start, end=scope.end)
        for reported in (scope, of_campaign):
            equal &= raw_summary == call_summary(scope=reported)
            equal &= raw_chart == call_chart(scope=reported, interval=Interval.DAY)

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<34} p50 {statistics.median(values):7.2f} ms   p95 {percentile(values, 95):7.2f} ms   "
            f"max {max(values):7.2f} ms   (n={len(values)})"
        )

    print("\nsummary + chart, 90-day range, day interval:")
    print(line("selectors alone (rollups)", selector_ms))
    print(line("through the API (Django client)", api_ms))
    print(line("the campaign's, through the API", campaign_ms))
    print(line("raw recount from calls", recount_ms))
    print(f"raw recount / rollups (p50): {statistics.median(recount_ms) / statistics.median(selector_ms):.0f}x")
    met = percentile(api_ms, 95) < 50 and percentile(campaign_ms, 95) < 50
    print(f"target p95 < 50 ms through the API (both): {'met' if met else 'NOT met'}")
    print(f"rollup and campaign-metric figures equal the raw recount: {'yes' if equal else 'NO'}")
    if not equal:
        sys.exit(1)


def recount(scope) -> tuple[dict, list[dict]]:
    """Summary and day chart of `scope` in plain SQL over the call rows, formatted from the README's
    definitions: nothing shared with the selectors or the rollups' sums, so it cannot agree with a
    mistake in them."""
    from zoneinfo import ZoneInfo

    from django.db import connection

    from integrations.models import Call

    tz = scope.account.timezone
    where = (
        f"FROM {connection.ops.quote_name(Call._meta.db_table)} WHERE account_id = %s AND provider = %s"
        " AND provider_account_id = %s AND started_at >= (%s::date::timestamp AT TIME ZONE %s)"
        " AND started_at < ((%s::date + 1)::timestamp AT TIME ZONE %s)"
    )
    params = [scope.account.pk, scope.provider, scope.provider_account_id, scope.start, tz, scope.end, tz]
    statuses = ("answered", "canceled", "failed", "in_progress", "missed")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), "
            + "".join(f"count(*) FILTER (WHERE status = '{s}'), " for s in statuses)
            + "coalesce(sum(duration), 0), coalesce(sum(talk_time), 0), count(*) FILTER (WHERE is_first_time_caller) "
            + where,
            params,
        )
        total, *by_status, duration, talk_time, first_time = cursor.fetchone()
        cursor.execute(
            f"SELECT source, count(*), count(*) FILTER (WHERE status = 'answered') {where} GROUP BY source", params
        )
        sources = cursor.fetchall()
        cursor.execute(
            "SELECT (started_at AT TIME ZONE %s)::date, count(*), count(*) FILTER (WHERE status = 'answered'),"
            " count(*) FILTER (WHERE status IN ('missed', 'canceled')), coalesce(sum(duration), 0) "
            f"{where} GROUP BY 1",
            [tz, *params],
        )
        days = {day: figures for day, *figures in cursor.fetchall()}
    counts = dict(zip(statuses, by_status, strict=True))
    answered, finished = counts["answered"], total - counts["in_progress"]
    summary = {
        "total": total,
        "answered": answered,
        "missed": counts["missed"] + counts["canceled"],
        "answer_rate": round(answered / finished, 4) if finished else 0.0,
        "duration": {"total": duration, "average": round(duration / total, 1) if total else 0.0},
        "talk_time": {"total": talk_time, "average_per_answered": round(talk_time / answered, 1) if answered else 0.0},
        "first_time_callers": first_time,
        "by_status": {**counts, "unknown": total - sum(by_status)},
        "by_source": [
            {"source": source, "calls": calls, "answered": answered}
            for source, calls, answered in sorted(sources, key=lambda row: (-row[1], row[0]))
        ],
    }
    chart = []
    for n in range((scope.end - scope.start).days + 1):
        day = scope.start + timedelta(days=n)
        calls, answered, missed, duration = days.get(day, (0, 0, 0, 0))
        start = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(tz)).isoformat()
        chart.append({"start": start, "total": calls, "answered": answered, "missed": missed, "duration": duration})
    return summary, chart


def load(account, calls: int, first_day: date, days: int) -> None:
    from integrations.models import Call

    rng = random.Random(42)
    sources = ["Google Ads", "Google Organic", "Facebook", "Bing Ads", "Direct", "Yelp", "Billboard", "Referral"]
    statuses = ["answered"] * 64 + ["missed"] * 20 + ["canceled"] * 9 + ["failed"] * 3 + ["in_progress"] * 1
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    span = days * 86400
    batch, started = [], time.perf_counter()
    for n in range(calls):
        status = rng.choice(statuses)
        talk = rng.randint(20, 1200) if status == "answered" else 0
        batch.append(
            Call(
                account=account,
                provider="calltrackingmetrics",
                provider_call_id=str(n + 1),
                provider_account_id="25001",
                tracking_number=f"+1919555{rng.randint(0, 20):04d}",
                caller_number=f"+1{rng.randint(2000000000, 9999999999)}",
                source=rng.choice(sources),
                direction="inbound",
                status=status,
                started_at=start + timedelta(seconds=rng.randint(0, span - 1)),
                duration=talk + rng.randint(3, 30),
                talk_time=talk,
                is_first_time_caller=rng.random() < 0.3,
            )
        )
        if len(batch) == 20_000:
            Call.objects.bulk_create(batch)
            batch.clear()
            print(f"\rloading calls: {n + 1:,}/{calls:,}", end="", flush=True)
    Call.objects.bulk_create(batch)
    print(f"\rloaded {calls:,} calls in {time.perf_counter() - started:.0f} s" + " " * 20)


if __name__ == "__main__":
    main()
