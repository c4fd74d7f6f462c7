"""bench/ingest: the webhook receiver under gunicorn, driven by a separate load-generating process.

Run: `.venv/bin/python bench/ingest [--duration 10] [--concurrency 32]` (PostgreSQL `ctm_bench`,
Redis db 14). Prints deliveries/s for the receiver and for a bare one-row-insert view under the same
server settings, their ratio, p50/p99 acknowledgement latency at half the receiver's maximum rate,
and how many deliveries one Celery worker process turns into calls per second.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, bench_endpoint, ensure_database, gunicorn_start, prepare_environment

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("WEBHOOK_TIMESTAMP_TOLERANCE", "3600")
prepare_environment("bench.ingest.settings")
PYTHON = sys.executable
SECRET = "bench-ctm-api-secret"
LOGIN = ("bench-hook", "bench-hook-password")


def setup_endpoint():
    from integrations.models import WebhookDelivery

    WebhookDelivery.objects.all().delete()
    return bench_endpoint(name="bench-ingest", secret=SECRET, login=LOGIN)


def write_requests(path: Path, *, endpoint_path: str, count: int, first_id: int) -> None:
    import base64

    from integrations.providers.ctm.sandbox.server import ctm_sign  # CTM's side, not the receiver's check

    auth = "Basic " + base64.b64encode(f"{LOGIN[0]}:{LOGIN[1]}".encode()).decode()
    now = int(time.time())
    with path.open("w") as handle:
        for n in range(first_id, first_id + count):
            body = json.dumps(
                {
                    "id": n,
                    "account_id": 25001,
                    "direction": "inbound",
                    "dial_status": "answered",
                    "duration": 60 + n % 300,
                    "talk_time": 40 + n % 250,
                    "unix_time": now - n % 86400,
                    "tracking_number": "+15559876543",
                    "caller_number": f"+1555{n % 10_000_000:07d}",
                    "source": ["Google Ads", "Facebook", "Direct"][n % 3],
                    "is_new_caller": n % 4 == 0,
                }
            )
            ts = str(now)
            headers = {
                "Content-Type": "application/json",
                "Authorization": auth,
                "X-CTM-Time": ts,
                "X-CTM-Signature": ctm_sign(secret=SECRET, timestamp=ts, body=body.encode()),
            }
            handle.write(json.dumps({"path": endpoint_path, "headers": headers, "body": body}) + "\n")


def write_marketingedge_requests(path: Path, *, endpoint_path: str, secret: str, count: int, first_id: int) -> None:
    """Marketing Edge CallProcessed deliveries (the seed's, with a new Id, call id and caller each),
    signed `ms-signature: sha256=<hex>` by this bench's own HMAC code."""
    import hashlib
    import hmac

    sample = json.loads((ROOT / "tests/fixtures/marketingedge/CallDetails.CallProcessed__aligned.json").read_text())
    with path.open("w") as handle:
        for n in range(first_id, first_id + count):
            notification = {**sample["Notifications"][0], "TelmetricsId": 3_000_000_000 + n}
            notification["CallerNumber"] = f"905{n % 10_000_000:07d}"
            body = json.dumps({**sample, "Id": f"{n:032x}", "Notifications": [notification]})
            signature = "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "ms-signature": signature}
            handle.write(json.dumps({"path": endpoint_path, "headers": headers, "body": body}) + "\n")


def load(url: str, requests_file: Path, *, concurrency: int, duration: float, rate: float = 0.0) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # each run starts without the previous run's dirty pages to flush
    command = [
        PYTHON,
        str(ROOT / "bench/ingest/load.py"),
        url,
        "--requests-file",
        str(requests_file),
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
    ]
    if rate:
        command += ["--rate", str(rate)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def worker_rate(timeout: float) -> tuple[int, float]:
    """Start one worker process (solo pool) on the backlog; deliveries it processed and per second."""
    from integrations.models import WebhookDelivery

    done = WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.DUPLICATE
    backlog = WebhookDelivery.objects.filter(valid=True).count()
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "ctm_integration",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ctm_integration.settings"},
    )
    first_at = first_count = None
    deadline = time.monotonic() + timeout
    count = 0
    try:
        while time.monotonic() < deadline:
            count = WebhookDelivery.objects.filter(status__in=done).count()
            if first_at is None and count:
                first_at, first_count = time.monotonic(), count
            if count >= backlog:
                break
            time.sleep(0.25)
        last_at = time.monotonic()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    if first_at is None or last_at <= first_at:
        return count, 0.0
    return count, (count - first_count) / (last_at - first_at)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--worker-timeout", type=float, default=180.0)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--provider", choices=["calltrackingmetrics", "marketingedge"], default="calltrackingmetrics")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    endpoint = setup_endpoint()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    per_run = int(4000 * args.duration)
    runs = {"warmup": 0, "ingest": 1, "half": 2}
    if args.provider == "marketingedge":
        from integrations.webhooks.endpoints import webhook_endpoint_create

        created = webhook_endpoint_create(
            account=endpoint.account, provider="marketingedge", campaign=endpoint.campaign
        )
        endpoint_path = f"/v1/e/marketingedge/webhook/{created.endpoint.pk}/"
        for name, n in runs.items():
            write_marketingedge_requests(
                workdir / f"{name}.jsonl",
                endpoint_path=endpoint_path,
                secret=created.revealed["signing_secret"],
                count=per_run,
                first_id=1 + n * per_run,
            )
    else:
        endpoint_path = f"/v1/e/calltrackingmetrics/webhook/{endpoint.pk}/"
        for name, n in runs.items():
            write_requests(
                workdir / f"{name}.jsonl", endpoint_path=endpoint_path, count=per_run, first_id=1 + n * per_run
            )
    bare_file = workdir / "bare.jsonl"
    with (workdir / "ingest.jsonl").open() as src, bare_file.open("w") as dst:
        for line in src:
            dst.write(json.dumps({**json.loads(line), "path": "/bench/bare-insert"}) + "\n")

    base = f"http://127.0.0.1:{args.port}"
    print(
        f"{args.provider} deliveries; gunicorn: {args.workers} workers x {args.threads} threads (gthread); "
        f"load: {args.concurrency} "
        f"connections from a separate process; {args.duration:.0f} s per run; PostgreSQL + Redis"
    )
    server = gunicorn_start(args.port, workers=args.workers, threads=args.threads)
    try:
        load(base, workdir / "warmup.jsonl", concurrency=args.concurrency, duration=min(3.0, args.duration))
        ingest = load(base, workdir / "ingest.jsonl", concurrency=args.concurrency, duration=args.duration)
        bare = load(base, bare_file, concurrency=args.concurrency, duration=args.duration)
        half_rate = ingest["rate"] / 2
        half = load(base, workdir / "half.jsonl", concurrency=args.concurrency, duration=args.duration, rate=half_rate)
        bare_half = load(base, bare_file, concurrency=args.concurrency, duration=args.duration, rate=half_rate)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"receiver (verify, store, enqueue): {ingest['rate']:8.1f} deliveries/s "
        f"(p50 {ingest['p50_ms']} ms, p99 {ingest['p99_ms']} ms, errors {ingest['errors']})"
    )
    print(
        f"bare one-row ORM insert:           {bare['rate']:8.1f} requests/s "
        f"(p50 {bare['p50_ms']} ms, p99 {bare['p99_ms']} ms, errors {bare['errors']})"
    )
    ratio = ingest["rate"] / bare["rate"] if bare["rate"] else 0.0
    print(f"ratio receiver / bare insert:      {ratio:8.2f}   (target >= 0.70)")
    print(
        f"at half load ({half_rate:.0f}/s, open loop): achieved {half['rate']} /s, "
        f"p50 {half['p50_ms']} ms, p99 {half['p99_ms']} ms   (target p99 < 50 ms)"
    )
    print(
        f"bare insert at the same rate:      achieved {bare_half['rate']} /s, "
        f"p50 {bare_half['p50_ms']} ms, p99 {bare_half['p99_ms']} ms"
    )

    processed, rate = worker_rate(args.worker_timeout)
    print(
        f"one Celery worker process (solo pool): {rate:.1f} deliveries -> calls per second "
        f"({processed} processed)   (target >= 300/s)"
    )


if __name__ == "__main__":
    main()
