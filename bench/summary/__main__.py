"""bench/summary: call summary + chart over real HTTP (gunicorn, JWT, the envelope) on 1,000 accounts
of varied size, the live write path timed while summaries are read, and every figure the API
returned checked against a recount in plain SQL.

Run: `.venv/bin/python bench/summary [--quick]` (PostgreSQL: DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ctm_bench_summary; the database is the bench's own: it is created
if missing, and emptied and loaded again when the data set's parameters change). See bench/README.md.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ctm_bench_summary")
from bench.common import ensure_database, gunicorn_start, percentile, prepare_environment  # noqa: E402

os.environ.setdefault("DEBUG", "false")  # as in production: no query log in the writer
prepare_environment()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1 account of 100,000 calls + 100 of 1,000-5,000")
    parser.add_argument("--big-accounts", type=int, default=3)
    parser.add_argument("--big-calls", type=int, default=1_000_000)
    parser.add_argument("--small-accounts", type=int, default=997)
    parser.add_argument("--small-min", type=int, default=1_000)
    parser.add_argument("--small-max", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--requests", type=int, default=300, help="timed summary + chart pairs per account")
    parser.add_argument("--upserts", type=int, default=3000, help="calls written on the live path")
    parser.add_argument("--recounts", type=int, default=4, help="windows recounted per scope, before and after")
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--load-only", action="store_true", help="load the data set (if needed) and stop")
    args = parser.parse_args()
    if args.quick:
        args.big_accounts, args.big_calls, args.small_accounts = 1, 100_000, 100
        args.small_min, args.small_max, args.sources = 1_000, 5_000, 60
        args.requests, args.upserts = min(args.requests, 150), min(args.upserts, 800)
    return args


def main() -> None:
    args = arguments()
    url = os.environ["DATABASE_URL"]
    if "bench" not in url.rsplit("/", 1)[1]:
        raise SystemExit("bench/summary empties its database: give it one whose name says bench")
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.summary import dataset

    params = dataset.Params(
        big_accounts=args.big_accounts,
        big_calls=args.big_calls,
        small_accounts=args.small_accounts,
        small_min=args.small_min,
        small_max=args.small_max,
        sources=args.sources,
        days=args.days,
    )
    if dataset.reusable(params):
        print(f"data set {params.key()} reused: {params}")
        dataset.day_order_ensure()
    else:
        print(f"loading data set {params.key()}: {params}")
        dataset.load(params)
    if args.load_only:
        return
    run(args, params)


def run(args: argparse.Namespace, params) -> None:
    from django.db import connection

    from accounts.models import Account
    from bench.summary import dataset
    from bench.summary.client import ApiClient, windows
    from bench.summary.live import events, upserts_timed
    from integrations.models import Campaign, Key

    plans = dataset.plans(params)
    accounts = {a.name: a for a in Account.objects.filter(name__startswith=dataset.PREFIX)}
    big_plan = plans[0]
    small_plan = sorted(plans[params.big_accounts :], key=lambda p: p.calls)[len(plans[params.big_accounts :]) // 2]
    big, small = (
        accounts[f"{dataset.PREFIX}-{big_plan.index:04d}"],
        accounts[f"{dataset.PREFIX}-{small_plan.index:04d}"],
    )
    big_main, small_main = big_plan.provider_accounts[0][1], small_plan.provider_accounts[0][1]
    campaign = max(Campaign.objects.filter(account=big), key=lambda c: c.calls.count())
    today = datetime.now(UTC).date()
    first = today - timedelta(days=params.days - 1)

    conditions(params, plans, big, big_main, small, small_main, campaign)

    server = gunicorn_start(args.port, workers=2, threads=8, env={"DEBUG": "false"})
    stop = Path(tempfile.mkdtemp(prefix="bench-summary-")) / "stop"
    try:

        def base(account, provider_account_id: str) -> str:
            key = Key.objects.filter(account=account).first()
            return f"/v1/e/calltrackingmetrics/{key.pk}/accounts/{provider_account_id}/calls"

        scopes = {
            "largest account": (big, base(big, big_main)),
            "small account": (small, base(small, small_main)),
            "largest account's campaign": (big, f"/v1/campaigns/{campaign.pk}"),
        }
        clients = {
            account.pk: ApiClient(args.port, email=dataset.owner_email(plan.index), password=dataset.PASSWORD)
            for account, plan in ((big, big_plan), (small, small_plan))
        }
        floor_client = ApiClient(args.port, email=dataset.owner_email(big_plan.index), password=dataset.PASSWORD)

        print("\n1. summary + chart over HTTP, random 90-day windows, day interval, sequential keep-alive requests")
        results: dict[str, dict[str, list[float]]] = {}
        for label, (account, path) in scopes.items():
            client, rng_windows = clients[account.pk], windows(random.Random(11), first, today)
            for _ in range(10):  # warm up: connections, caches of both workers
                start, end = next(rng_windows)
                client.get(f"{path}/summary?start_date={start}&end_date={end}")
                client.get(f"{path}/chart?start_date={start}&end_date={end}&interval=day")
            summary_ms, chart_ms = [], []
            for _ in range(args.requests):
                start, end = next(rng_windows)
                summary_ms.append(client.get(f"{path}/summary?start_date={start}&end_date={end}")[0])
                chart_ms.append(client.get(f"{path}/chart?start_date={start}&end_date={end}&interval=day")[0])
            both = [s + c for s, c in zip(summary_ms, chart_ms, strict=True)]
            results[label] = {"summary": summary_ms, "chart": chart_ms, "summary + chart": both}
        for _ in range(20):  # warm up
            floor_client.get_plain("/healthz")
        floor = [floor_client.get_plain("/healthz") for _ in range(max(args.requests, 300))]
        for label, figures in results.items():
            print(f"   {label}:")
            for name, values in figures.items():
                print(f"     {name:<16} {spread(values)}")
        print(f"   floor: the same gunicorn answering /healthz      {spread(floor)}")

        mismatches = check(
            "before the live writes", scopes, clients, args.recounts, first, today, campaign, big_main, small_main
        )

        print(f"\n2. the live path: {args.upserts} calls of the largest account written by calls_upsert")
        print("   (origin DELIVERY, one transaction each, with rollups and campaign metrics) while a reader")
        print("   process requests summary + chart of the same account over HTTP, one after the other")
        sources, numbers = big_plan.sources, [n for _, ns in big_plan.campaigns for n in ns]
        to_write = list(
            events(
                account=big, provider_account_id=big_main, sources=sources, numbers=numbers, count=args.upserts, seed=5
            )
        )
        out = stop.with_name("reader.json")
        spec = {
            "port": args.port,
            "email": dataset.owner_email(big_plan.index),
            "password": dataset.PASSWORD,
            "base": scopes["largest account"][1],
            "first": first.isoformat(),
            "last": today.isoformat(),
            "seed": 3,
            "stop": str(stop),
            "out": str(out),
        }
        reader = subprocess.Popen([sys.executable, "-m", "bench.summary.client", json.dumps(spec)], cwd=ROOT)
        time.sleep(3)  # the reader logged in and is reading
        t0 = time.perf_counter()
        upsert_ms = upserts_timed(account=big, events_list=to_write)
        elapsed = time.perf_counter() - t0
        stop.touch()
        reader.wait(timeout=60)
        read_ms = json.loads(out.read_text())
        print(f"   call upsert + rollups, per call   {spread(upsert_ms)}   ({len(upsert_ms) / elapsed:.0f} calls/s)")
        print(f"   reader's summary + chart meanwhile {spread(read_ms)}")
        connection.close()

        mismatches += check(
            "after the live writes", scopes, clients, args.recounts, first, today, campaign, big_main, small_main
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    big_p95 = percentile(results["largest account"]["summary + chart"], 95)
    upsert_p99 = percentile(upsert_ms, 99)
    print("\ngoals:")
    print(
        "   summary + chart p95 over HTTP, 90 days, largest account <= 10 ms: "
        f"{verdict(big_p95 <= 10)} ({big_p95:.1f} ms)"
    )
    print(f"   call upsert + rollups p99 while reading <= 20 ms: {verdict(upsert_p99 <= 20)} ({upsert_p99:.1f} ms)")
    print(f"   every figure the API returned equals the SQL recount: {'yes' if not mismatches else 'NO'}")
    print(f"   (load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    if mismatches:
        sys.exit(1)


def check(when: str, scopes, clients, count: int, first, today, campaign, big_main: str, small_main: str) -> int:
    """GET summary and chart of `count` windows per scope (one ending today) and compare each figure
    with the SQL recount; print the differences; the number of answers that differ."""
    from django.db import connection

    from bench.summary.client import windows
    from bench.summary.recount import differences, recount

    rng_windows, found, compared = windows(random.Random(17), first, today), 0, 0
    for label, (account, path) in scopes.items():
        client = clients[account.pk]
        spans = [(today - timedelta(days=89), today)] + [next(rng_windows) for _ in range(count - 1)]
        for start, end in spans:
            query = f"start_date={start}&end_date={end}"
            summary = json.loads(client.get(f"{path}/summary?{query}")[1])["data"]
            chart = json.loads(client.get(f"{path}/chart?{query}&interval=day")[1])["data"]
            whose = (
                {"campaign_id": campaign.pk}
                if "campaign" in label
                else {
                    "provider": "calltrackingmetrics",
                    "provider_account_id": big_main if "largest" in label else small_main,
                }
            )
            with connection.cursor() as cursor:
                expected = recount(
                    cursor, timezone=account.timezone, start=start, end=end, account_id=account.pk, **whose
                )
            diff = differences(summary, expected[0], "summary") + differences(chart, expected[1], "chart")
            compared += 1
            if diff:
                found += 1
                print(f"   MISMATCH {label} {start}..{end}: " + "; ".join(diff[:10]))
    print(f"\n   recount {when}: {compared} summary + chart answers compared figure by figure, {found} differ")
    return found


def spread(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):6.2f} ms  p95 {percentile(values, 95):6.2f} ms  "
        f"p99 {percentile(values, 99):6.2f} ms  max {max(values):7.2f} ms  (n={len(values)})"
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def conditions(params, plans, big, big_main, small, small_main, campaign) -> None:
    from django.db import connection

    from integrations.models import (
        Call,
        CallDailyRollup,
        CallHourlyRollup,
        CampaignDailyMetric,
        CampaignHourlyMetric,
    )

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        counts = {}
        for model in (Call, CallDailyRollup, CallHourlyRollup, CampaignDailyMetric, CampaignHourlyMetric):
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")
            counts[model._meta.db_table] = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    small_sizes = sorted(p.calls for p in plans[params.big_accounts :])
    big_calls = Call.objects.filter(account=big, provider_account_id=big_main).count()
    small_calls = Call.objects.filter(account=small, provider_account_id=small_main).count()
    big_rows = CallDailyRollup.objects.filter(account=big, provider_account_id=big_main).count()
    print("conditions:")
    print(
        f"   machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"PostgreSQL {version} (shared_buffers {shared_buffers})"
    )
    print(f"   commit {commit.stdout.strip()}{' (with uncommitted changes)' if dirty.stdout.strip() else ''}")
    print("   rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print(
        f"   accounts: {params.big_accounts} of {params.big_calls:,} calls, {params.small_accounts} of "
        f"{small_sizes[0]:,}-{small_sizes[-1]:,} (median {small_sizes[len(small_sizes) // 2]:,}); "
        f"{params.sources} sources; {params.days} days ending today; {len(dataset_zones(plans))} time zones"
    )
    print(
        f"   largest account: {big_calls:,} calls in its CTM account {big_main} ({big.timezone}), "
        f"{big_rows:,} daily rollup rows ({big_rows * 90 // params.days:,} in 90 days); "
        f"its campaign: {campaign.calls.count():,} calls"
    )
    print(f"   small account: {small_calls:,} calls in its CTM account {small_main} ({small.timezone})")
    print(
        "   processes: gunicorn 2 workers x 8 threads (gthread, DEBUG off), this process as the HTTP client "
        "(then the call writer), a reader process during the live phase; PostgreSQL and Redis on the same 2 cores"
    )


def dataset_zones(plans) -> set[str]:
    return {p.timezone for p in plans}


if __name__ == "__main__":
    main()
