"""bench/outbound: outbound webhooks sent by real Celery worker processes to local receivers.

Run: `.venv/bin/python bench/outbound [--deliveries 3000] [--threads 8]` (PostgreSQL `ctm_bench`, Redis
db 13). Prints its conditions, then:

1. deliveries per second one worker process (`-Q outbound --pool=threads`) sends to a fast local
   receiver, from a backlog (goal >= 200/s);
2. with one hung target among 10 (it never answers: every attempt waits for the read timeout), the
   p50/p99 delay from a call's change to its arrival at each of the 9 healthy targets, calls arriving
   at a steady rate (goal p99 < 2 s);
3. with the worker idle, the time from a call's end (its transaction's commit) to the forwarded
   request's arrival, p50/p99 over single calls one after another (goal p99 < 1 s).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, ensure_database, percentile, prepare_environment

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["OUTBOUND_ALLOW_PRIVATE_TARGETS"] = "1"  # the receivers are local
prepare_environment()
PYTHON = sys.executable
ACCOUNT = "bench-outbound"


class Receivers:
    def __init__(self, count: int, hung: list[int]) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(ROOT / "bench/outbound/receiver.py"), "--count", str(count), "--hung", *map(str, hung)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ports: list[int] = json.loads(self.process.stdout.readline())

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}/hook"

    def arrivals(self) -> list[tuple[str, int, float]]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[0]}/_arrivals", timeout=10) as answer:
            return [tuple(a) for a in json.loads(answer.read())]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def worker_start(threads: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "ctm_integration",
            "worker",
            "-Q",
            "outbound",
            "--pool=threads",
            f"--concurrency={threads}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DB_CONN_MAX_AGE": "600"},
    )


def worker_stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def fresh_account():
    from accounts.models import Account
    from accounts.services import account_create

    Account.objects.filter(name=ACCOUNT).delete()
    return account_create(name=ACCOUNT, owner_email=f"{ACCOUNT}@bench.example", owner_password="Bench-pass-123")


def webhooks_for(account, urls: list[str]):
    from outbound.services import outbound_webhook_create

    return [
        outbound_webhook_create(account=account, name=f"target {n}", url=url, trigger="end").webhook
        for n, url in enumerate(urls)
    ]


def calls_end(account, count: int, *, first: int) -> float:
    """`count` calls stored and ended in one transaction, published on the seam as the stores do:
    the outbox rows are written with them, their tasks enqueued at the commit. Returns the commit time."""
    from django.db import transaction
    from django.utils import timezone

    from integrations.call_changes import CallChange, Origin, call_changes_publish
    from integrations.models import Call

    now = timezone.now()
    with transaction.atomic():
        calls = Call.objects.bulk_create(
            Call(
                account=account,
                provider="calltrackingmetrics",
                provider_call_id=f"bench-{first + n}",
                provider_account_id="25001",
                started_at=now - timedelta(minutes=3),
                status="answered",
                direction="inbound",
                duration=180,
                talk_time=150,
                caller_number=f"+1555{(first + n) % 10_000_000:07d}",
                tracking_number="+15559876543",
                source="Google Ads",
                completed=True,
            )
            for n in range(count)
        )
        call_changes_publish(
            changes=[CallChange(call=c, before=None, origin=Origin.DELIVERY, news=True) for c in calls]
        )
    return time.time()


def delivered_count(account) -> int:
    from outbound.models import OutboundDelivery

    return OutboundDelivery.objects.filter(webhook__account=account, status="delivered").count()


def created_at_by_message(account) -> dict[str, float]:
    from outbound.models import OutboundDelivery

    rows = OutboundDelivery.objects.filter(webhook__account=account).values_list("pk", "created_at")
    return {f"msg_{pk}": created.timestamp() for pk, created in rows}


def warm_up(account, receivers: Receivers, *, arrivals: int) -> None:
    """One call through the new worker, waited for: the runs measure a worker that is up."""
    calls_end(account, 1, first=900_000)
    deadline = time.monotonic() + 120
    seen = 0
    while seen < arrivals and time.monotonic() < deadline:
        time.sleep(0.2)
        seen += len(receivers.arrivals())
    if seen < arrivals:
        raise SystemExit("the worker did not start sending within two minutes")


def throughput(args) -> None:
    account = fresh_account()
    receivers = Receivers(1, [])
    try:
        webhooks_for(account, [receivers.url(0)])
        for first in range(0, args.deliveries, 500):
            calls_end(account, min(500, args.deliveries - first), first=first)
        worker = worker_start(args.threads)
        first_at = first_count = last_at = None
        count = 0
        deadline = time.monotonic() + 300
        try:
            while time.monotonic() < deadline:
                count = delivered_count(account)
                if first_at is None and count:
                    first_at, first_count = time.monotonic(), count
                if count >= args.deliveries:
                    break
                time.sleep(0.1)
            last_at = time.monotonic()
        finally:
            worker_stop(worker)
    finally:
        receivers.stop()
    rate = (count - first_count) / (last_at - first_at) if first_at and last_at > first_at else 0.0
    print(
        f"1. throughput: {rate:7.1f} deliveries/s from one worker process ({count} of {args.deliveries} "
        f"delivered; 1 webhook, up to {os.environ.get('OUTBOUND_MAX_IN_FLIGHT', 4)} in flight)   (goal >= 200/s)"
    )


def isolation(args) -> None:
    account = fresh_account()
    receivers = Receivers(10, list(range(args.hung)))
    try:
        webhooks_for(account, [receivers.url(n) for n in range(10)])
        worker = worker_start(args.threads)
        try:
            warm_up(account, receivers, arrivals=10 - args.hung)
            measured_from = time.time()
            started = time.monotonic()
            sent = 0
            while time.monotonic() - started < args.seconds:
                calls_end(account, 1, first=100_000 + sent)
                sent += 1
                time.sleep(max(0.0, started + sent / args.rate - time.monotonic()))
            time.sleep(5)
            arrivals = receivers.arrivals()
        finally:
            worker_stop(worker)
    finally:
        receivers.stop()
    created = {msg: at for msg, at in created_at_by_message(account).items() if at >= measured_from}
    healthy = [at - created[msg] for msg, port, at in arrivals if port >= args.hung and msg in created]
    hung = sum(1 for _, port, _ in arrivals if port < args.hung)
    expected = sent * (10 - args.hung)
    print(
        f"2. {args.hung} hung target(s) among 10: {len(healthy)} of {expected} deliveries to the healthy ones arrived, "
        f"delay p50 {percentile(healthy, 50) * 1000:.0f} ms, p99 {percentile(healthy, 99) * 1000:.0f} ms, "
        f"max {max(healthy) * 1000:.0f} ms ({hung} requests reached the hung one)   (goal p99 < 2 s)"
        if healthy
        else f"2. {args.hung} hung target(s) among 10: none of {expected} arrived"
    )


def latency(args) -> None:
    account = fresh_account()
    receivers = Receivers(1, [])
    delays = []
    try:
        webhooks_for(account, [receivers.url(0)])
        worker = worker_start(args.threads)
        try:
            warm_up(account, receivers, arrivals=1)
            for n in range(args.samples):
                committed = calls_end(account, 1, first=200_000 + n)
                deadline = time.monotonic() + 10
                arrived: list = []
                while not arrived and time.monotonic() < deadline:
                    time.sleep(0.05)  # the receiver times the arrival itself: polling slowly biases nothing
                    arrived = receivers.arrivals()
                if arrived:
                    delays.append(arrived[0][2] - committed)
                time.sleep(0.05)  # the worker is idle again before the next call (it also is while we poll)
        finally:
            worker_stop(worker)
    finally:
        receivers.stop()
    print(
        f"3. call end -> forwarded request, worker idle: {len(delays)} of {args.samples}, "
        f"p50 {percentile(delays, 50) * 1000:.1f} ms, p99 {percentile(delays, 99) * 1000:.1f} ms, "
        f"max {max(delays) * 1000:.1f} ms   (goal p99 < 1 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=3000, help="the throughput run's backlog")
    parser.add_argument("--threads", type=int, default=8, help="the worker's thread pool")
    parser.add_argument("--rate", type=float, default=10.0, help="calls per second in the hung-target run")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the hung-target run")
    parser.add_argument("--samples", type=int, default=200, help="single calls in the latency run")
    parser.add_argument("--hung", type=int, default=1, help="targets that never answer, among the 10")
    parser.add_argument("--only", choices=["throughput", "isolation", "latency"])
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    print(
        f"outbound: one Celery worker process (-Q outbound, --pool=threads, {args.threads} threads), "
        f"PostgreSQL + Redis, receivers in a process of their own (Python http.server, keep-alive); "
        f"at most {settings.OUTBOUND_MAX_IN_FLIGHT} requests in flight per webhook; timeouts connect "
        f"{settings.OUTBOUND_CONNECT_TIMEOUT:g} s, read {settings.OUTBOUND_READ_TIMEOUT:g} s; "
        f"{os.cpu_count()} CPUs shared by everything"
    )
    if args.only in (None, "throughput"):
        throughput(args)
    if args.only in (None, "isolation"):
        print(f"   (hung-target run: {args.rate:g} calls/s for {args.seconds:g} s, each to 10 webhooks)")
        isolation(args)
    if args.only in (None, "latency"):
        latency(args)


if __name__ == "__main__":
    main()
