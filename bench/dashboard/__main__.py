"""bench/dashboard: the admin index (/admin/, the dashboard) rendered over real HTTP with 1,000,000 calls.

Run: `.venv/bin/python bench/dashboard [--calls N] [--requests N]` (PostgreSQL: DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ctm_bench; the database is created if missing and the data reused).

The data set: N calls of 100 accounts (5 time zones, 3 providers, 2 provider accounts each, 12
sources, 3 campaigns each) over the 365 days ending today, written with COPY; the rollups are then
built in bulk by the rebuild service staff use (`call_rollups_rebuild`), not by N upserts, then
stored in day order as the call store writes them over time (CLUSTER on the day index). Beside
them, a week of webhook deliveries (2 per call, a few failing), a sync state per provider account and
failed notification deliveries, so every panel has rows to read. Then gunicorn (the production
server) serves the project; a staff session logs in through the login form and GETs /admin/.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import CALL_COLUMNS, ensure_database, gunicorn_start, percentile, prepare_environment

prepare_environment()

ACCOUNTS = 100
PREFIX = "bench-dashboard"
ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "UTC"]
PROVIDERS = ["calltrackingmetrics", "marketingedge", "callrail"]
SOURCES = ["Google Ads", "Google Organic", "Facebook", "Bing Ads", "Direct", "Yelp", "Billboard", "Referral"]
SOURCES += ["Radio", "Newsletter", "TV", ""]
STATUSES = ["answered"] * 64 + ["missed"] * 20 + ["canceled"] * 9 + ["failed"] * 3 + ["in_progress"] * 1
STAFF = ("bench-staff", "Bench-staff-pass-123")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import Account
    from integrations.models import Call, CallDailyRollup, WebhookDelivery

    accounts = list(Account.objects.filter(name__startswith=PREFIX).order_by("name"))
    stored = Call.objects.filter(account__name__startswith=PREFIX).count()
    if len(accounts) != ACCOUNTS or stored != args.calls or not fresh(accounts):
        accounts = load(args.calls)
    staff_user()

    today = datetime.now(UTC).date()
    in_range = CallDailyRollup.objects.filter(day__gte=today - timedelta(days=29), day__lte=today)
    week = WebhookDelivery.objects.filter(received_at__gte=datetime.now(UTC) - timedelta(days=7))
    print("conditions:")
    print(f"  calls: {Call.objects.count():,} in the database, {args.calls:,} of {ACCOUNTS} bench accounts")
    print(
        f"  daily rollup rows: {CallDailyRollup.objects.count():,} in all, {in_range.count():,} in the last 30 days; "
        f"webhook deliveries: {WebhookDelivery.objects.count():,} in all, {week.count():,} in the last 7 days"
    )
    print(f"  machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"  PostgreSQL {cursor.fetchone()[0]}; gunicorn 2 workers x 4 threads (gthread), DEBUG off")
    connection.close()

    server = gunicorn_start(args.port, workers=2, threads=4, env={"DEBUG": "false"})
    try:
        measure(f"http://127.0.0.1:{args.port}", accounts, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)


def fresh(accounts) -> bool:
    """The calls end today (the dashboard reads the last 30 days): reload on another day."""
    from integrations.models import Call

    newest = Call.objects.filter(account=accounts[0]).order_by("-started_at").values_list("started_at", flat=True)
    return bool(newest) and datetime.now(UTC) - newest[0] < timedelta(days=1)


def load(calls: int):
    from django.db import connection, transaction

    from accounts.models import Account
    from accounts.services import account_create
    from integrations.call_services import call_rollups_rebuild
    from integrations.models import (
        Call,
        CallDailyRollup,
        CallSyncState,
        Campaign,
        Key,
        WebhookDelivery,
        WebhookEndpoint,
    )
    from notifications.models import Channel, Event, Notification, NotificationDelivery

    started = time.perf_counter()
    Account.objects.filter(name__startswith=PREFIX).delete()
    WebhookDelivery.objects.filter(path__startswith=f"/{PREFIX}/").delete()
    rng = random.Random(42)
    accounts, campaigns, endpoints = [], {}, {}
    for n in range(ACCOUNTS):
        account = account_create(
            name=f"{PREFIX}-{n:03d}",
            owner_email=f"{PREFIX}-{n}@bench.example",
            owner_password="Bench-pass-123",
            timezone=ZONES[n % len(ZONES)],
        )
        key = Key.objects.create(account=account, username="b", password="b", access_key="b", secret="b")
        accounts.append(account)
        campaigns[account.pk] = [
            Campaign.objects.create(account=account, name=f"Campaign {n}-{c}", key=key).pk for c in range(3)
        ]
        endpoints[account.pk] = WebhookEndpoint.objects.create(
            account=account, provider=PROVIDERS[n % 3], name=f"Endpoint {n}"
        ).pk
        CallSyncState.objects.create(
            account=account,
            key=key,
            provider_account_id=f"{n}-1",
            last_synced_at=datetime.now(UTC) - timedelta(minutes=rng.randint(1, 300)),
            last_error="CTM answered 401" if n % 17 == 0 else "",
        )
        owner = account.memberships.get().user
        if n % 10 == 0:
            notification = Notification.objects.create(account=account, recipient=owner, event=Event.WEBHOOK_FAILING)
            NotificationDelivery.objects.create(
                notification=notification, channel=Channel.EMAIL, status="failed", last_error="SMTP 550"
            )

    now = datetime.now(UTC)
    span = 365 * 86400
    columns = CALL_COLUMNS
    table = connection.ops.quote_name(Call._meta.db_table)
    copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for n in range(calls):
            account = accounts[n % ACCOUNTS]
            provider = PROVIDERS[rng.randrange(3)]
            status = rng.choice(STATUSES)
            talk = rng.randint(20, 1200) if status == "answered" else 0
            campaign = rng.choice(campaigns[account.pk]) if rng.random() < 0.6 else None
            copy.write_row(
                (
                    account.pk,
                    provider,
                    str(n),
                    f"{n % ACCOUNTS}-{rng.randint(1, 2)}",
                    "",
                    "",
                    rng.choice(SOURCES),
                    "inbound",
                    status,
                    now - timedelta(seconds=rng.randint(0, span - 1)),
                    talk + rng.randint(3, 30),
                    talk,
                    rng.random() < 0.3,
                    "",
                    campaign,
                    "{}",
                    "[]",
                    "",
                    "{}",
                    "",
                    False,
                    "[]",
                    "{}",
                    "{}",
                    "[]",
                    "",
                    False,
                    True,
                    now,
                    now,
                )
            )
            if (n + 1) % 100_000 == 0:
                print(f"\rcopying calls: {n + 1:,}/{calls:,}", end="", flush=True)
    print(f"\rcopied {calls:,} calls in {time.perf_counter() - started:.0f} s" + " " * 20)

    t0 = time.perf_counter()
    for account in accounts:
        call_rollups_rebuild(account=account)
    print(f"rollups built in bulk (call_rollups_rebuild per account) in {time.perf_counter() - t0:.0f} s")

    t0 = time.perf_counter()
    deliveries = 2 * calls * 7 // 365
    rows = []
    for n in range(deliveries):
        account = accounts[n % ACCOUNTS]
        status = "failed" if n % 500 == 0 else ("invalid" if n % 700 == 0 else "processed")
        rows.append(
            WebhookDelivery(
                provider=PROVIDERS[(n % ACCOUNTS) % 3],
                endpoint_id=endpoints[account.pk],
                account=account,
                received_at=now - timedelta(seconds=rng.randint(0, 7 * 86400)),
                path=f"/{PREFIX}/",
                body=b"{}",
                valid=status != "invalid",
                status=status,
                last_error="KeyError: 'call'" if status == "failed" else "",
            )
        )
    WebhookDelivery.objects.bulk_create(rows, batch_size=5000)
    print(f"{deliveries:,} webhook deliveries over the last 7 days in {time.perf_counter() - t0:.0f} s")
    with connection.cursor() as cursor:
        # Rollup rows in the order the call store writes them (a day's rows appear as its calls
        # arrive); a bulk rebuild writes them account by account, which production never does at once.
        table = connection.ops.quote_name(CallDailyRollup._meta.db_table)
        cursor.execute(f"CLUSTER {table} USING rollup_daily_day")
        cursor.execute("ANALYZE")
    return accounts


def staff_user() -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=STAFF[0]).first() or User(username=STAFF[0], email="staff@bench.example")
    user.is_staff = user.is_superuser = True
    user.set_password(STAFF[1])
    user.save()


def measure(base: str, accounts, requests_count: int) -> None:
    import requests

    session = requests.Session()
    session.get(f"{base}/admin/login/", timeout=30)
    answer = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"username": STAFF[0], "password": STAFF[1], "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and 'id="calls"' in answer.text, answer.text[:500]

    def timed(path: str) -> list[float]:
        for _ in range(3):  # warm up: connections, template caches
            session.get(base + path, timeout=30)
        times = []
        for _ in range(requests_count):
            t0 = time.perf_counter()
            response = session.get(base + path, timeout=30)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and "calls-chart-data" in response.text
        return times

    results = {
        "/admin/ (every account)": timed("/admin/"),
        "/admin/?account=<one>": timed(f"/admin/?account={accounts[0].pk}"),
        "/admin/?provider=callrail": timed("/admin/?provider=callrail"),
        "account page (its chart)": timed(f"/admin/accounts/account/{accounts[0].pk}/change/"),
    }
    print(f"\nrender time over HTTP, {requests_count} sequential requests each (after 3 to warm up):")
    for label, times in results.items():
        print(
            f"  {label:<28} p50 {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms"
            f"   max {max(times):7.1f} ms"
        )
    index = results["/admin/ (every account)"]
    p50, p95 = statistics.median(index), percentile(index, 95)
    verdict = {True: "met", False: "NOT met"}
    print(
        f"goal /admin/ under 300 ms: p50 {verdict[p50 < 300]} ({p50:.0f} ms), p95 {verdict[p95 < 300]} ({p95:.0f} ms)"
    )


if __name__ == "__main__":
    main()
