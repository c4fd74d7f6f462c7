"""bench/ingest: the webhook receivers under production conditions, against the bare-insert anchor.

Run: `.venv/bin/python bench/ingest [--duration 10]` (PostgreSQL `ctm_bench`, Redis db 14; needs
`wrk`: `apt install wrk`). Everything runs as in production (DJANGO_ENV=production, DEBUG off): the
project under gunicorn (2 workers x 8 gthread threads, keep-alive), the Celery worker of the default
queue (prefork, as `bin/serve` starts it), the outbound worker (8 threads), beat, an SMTP server for
the notification emails and a receiver for the outbound webhooks. The traffic is `bench/ingest/mix.py`'s:
1,000 tenants, CTM / Marketing Edge / Call Tracker, start + update + end of each call, 10 % retries.
The anchor is `bench/bare`: a bare Django site storing the raw body with one ORM INSERT, same
PostgreSQL, same gunicorn flags, same load (wrk, 2 threads, 32 keep-alive connections).

It prints its conditions, then:
1. acknowledgement path: the workers paused (SIGSTOP), deliveries/s the receiver acknowledges (closed
   loop), inserts/s of the bare site, their ratio;
2. the worker: resumed on that backlog, deliveries and call events per second per worker process,
   until every delivery is processed and every notification and outbound webhook is sent;
3. sustained: the workers running, the receiver under closed-loop load; deliveries acknowledged per
   second, and acknowledged *and processed* per second (until the last one is processed); ratio to the
   bare site's rate;
4. at half the acknowledgement path's maximum rate (open loop, latency from the planned send time),
   the workers running: acknowledgement p50/p99, the bare site's at the same rate, and the lag from
   each acknowledgement to its delivery being processed (the call, its rollups and campaign metrics
   commit in that same transaction: that is when the summary shows it), p50/p99.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import contextlib

from bench.common import ROOT, conditions, ensure_database, gunicorn_start, percentile, prepare_environment
from bench.cpu import CpuMeter

PYTHON = sys.executable
DONE_STATUSES = ("processed", "duplicate", "failed")
WRK_THREADS = 2
# Deliveries per endpoint before measuring: each lands on either gunicorn process, so 12 leave about
# 1 in 4,000 of a process's lookups cold, as in the steady state where every tenant has been heard from.
WARMUP_ROUNDS = 12

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.update(
    DJANGO_ENV="production",
    SECRET_KEY="bench-ingest-secret-key-" + "x" * 40,
    FIELD_ENCRYPTION_KEY=base64.urlsafe_b64encode(hashlib.sha256(b"bench-ingest").digest()).decode(),
    ALLOWED_HOSTS="127.0.0.1,localhost",
    DB_CONN_MAX_AGE="600",
    OUTBOUND_ALLOW_PRIVATE_TARGETS="1",  # the outbound receiver is local
    LOG_LEVEL="WARNING",
)
prepare_environment()


class Processes:
    """Every long-running process of the run, stopped together at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, command: list[str], *, env: dict | None = None, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, **kwargs)
        self.started.append(process)
        return process

    def add(self, process: subprocess.Popen) -> subprocess.Popen:
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def celery(processes: Processes, *args: str, log: Path) -> subprocess.Popen:
    return processes.start(
        [PYTHON, "-m", "celery", "-A", "ctm_integration", *args, "--loglevel=WARNING"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: paused and resumed as a whole
    )


def pause(group: list[subprocess.Popen], sig: signal.Signals) -> None:
    for process in group:
        os.killpg(process.pid, sig)


def profile(folder: Path | None, name: str, pid: int, seconds: float) -> subprocess.Popen | None:
    """py-spy, sampling `pid` and its children for `seconds`, into folder/name.txt (collapsed stacks:
    `python bench/profile_summary.py` reads them)."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--subprocesses",
            "--nonblocking",
            "--format",
            "raw",
            "-r",
            "250",
            "-d",
            str(round(seconds)),
            "-p",
            str(pid),
            "-o",
            str(folder / f"{name}.txt"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wrk(url: str, requests_file: Path, *, duration: float, connections: int) -> dict:
    checkpoint()
    output = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{round(duration)}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench/ingest/wrk.lua"),
            url,
            "--",
            str(requests_file),
            str(WRK_THREADS),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def open_loop(url: str, requests_file: Path, *, rate: float, duration: float, acks: Path | None = None) -> dict:
    checkpoint()
    command = [
        PYTHON,
        str(ROOT / "bench/ingest/load.py"),
        url,
        "--requests-file",
        str(requests_file),
        "--concurrency",
        "32",
        "--duration",
        str(duration),
        "--rate",
        str(rate),
    ]
    if acks:
        command += ["--acks", str(acks)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def ms(result: dict) -> str:
    return f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms"


def checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # each run starts without the previous run's dirty pages to flush


def wrk_file(lines: list[str], path: Path, *, path_override: str = "") -> Path:
    with path.open("w") as handle:
        for line in lines:
            request = json.loads(line)
            headers = "\x1f".join(f"{name}: {value}" for name, value in request["headers"].items())
            handle.write(f"{path_override or request['path']}\t{headers}\t{request['body']}\n")
    return path


def backlog() -> int:
    from integrations.models import WebhookDelivery

    return WebhookDelivery.objects.filter(valid=True).exclude(status__in=DONE_STATUSES).count()


def unsent() -> tuple[int, int]:
    from notifications.models import NotificationDelivery
    from outbound.models import OutboundDelivery

    return (
        NotificationDelivery.objects.filter(status__in=("ready", "sending")).count(),
        OutboundDelivery.objects.filter(status__in=("pending", "retrying")).count(),
    )


def wait_drained(timeout: float, *, also_sent: bool = False) -> float:
    """Seconds until no acknowledged delivery waits (and, if asked, no notification or outbound
    webhook); raises if it takes longer than `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if backlog() == 0 and (not also_sent or unsent() == (0, 0)):
            return time.monotonic() - started
        time.sleep(0.05)
    raise SystemExit(f"not drained after {timeout:.0f} s: {backlog()} deliveries, {unsent()} sends waiting")


def phase_counts(first_id: int) -> dict:
    """What the worker did with deliveries from `first_id` on: statuses, and call events applied."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM integrations_webhookdelivery WHERE id >= %s AND valid GROUP BY status",
            [first_id],
        )
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*), count(DISTINCT call_id) FROM integrations_webhookdelivery_calls "
            "WHERE webhookdelivery_id >= %s",
            [first_id],
        )
        events, calls = cursor.fetchone()
    return {"statuses": statuses, "call_events": events, "calls": calls}


def last_delivery_id() -> int:
    from integrations.models import WebhookDelivery

    return (WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def lags(acks_file: Path) -> list[float]:
    """Acknowledgement -> processed (committed with its call and rollups), per delivery, in ms."""
    from integrations.models import WebhookDelivery

    acked = {}
    for line in acks_file.read_text().splitlines():
        delivery_id, at = line.split()
        acked[int(delivery_id)] = float(at)
    processed = WebhookDelivery.objects.filter(pk__in=acked, processed_at__isnull=False).values_list(
        "pk", "processed_at"
    )
    return [max(0.0, (done.timestamp() - acked[pk]) * 1000) for pk, done in processed]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--bare-port", type=int, default=8798)
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument(
        "--profile", type=Path, help="py-spy the receiver (run 1) and the worker (run 2) into this folder"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/ingest needs wrk: apt install wrk")

    ensure_database(os.environ["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "-m", "django", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"},
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from bench.ingest import mix
    from integrations.models import WebhookDelivery
    from notifications.models import Notification, NotificationDelivery
    from outbound.models import OutboundDelivery

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    processes = Processes()
    try:
        receiver = processes.start(
            [PYTHON, str(ROOT / "bench/outbound/receiver.py"), "--count", "1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        outbound_port = json.loads(receiver.stdout.readline())[0]
        sink = processes.start([PYTHON, str(ROOT / "bench/ingest/smtp_sink.py")], stdout=subprocess.PIPE, text=True)
        smtp_port = sink.stdout.readline().strip()
        os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp_port, EMAIL_USE_TLS="0")

        tenants = mix.tenants_ensure(outbound_url=f"http://127.0.0.1:{outbound_port}/hook")
        for model in (WebhookDelivery, OutboundDelivery, NotificationDelivery, Notification):
            model.objects.all().delete()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bare_rawdelivery")
            cursor.execute("VACUUM ANALYZE")

        # The stream: enough calls that no run runs out (each call is ~3.3 deliveries).
        per_run_calls = int(1500 * args.duration)
        runs = ("warmup", "ack", "sustained", "half")
        lines: dict[str, list[str]] = {}
        for n, name in enumerate(runs):
            if name == "warmup":
                requests = mix.warmup(tenants, rounds=WARMUP_ROUNDS, first_call=900_000_000)
            else:
                requests = mix.stream(
                    tenants, calls=per_run_calls, first_call=1 + n * per_run_calls, calls_per_second=200, seed=n
                )
            lines[name] = [r.line() for r in requests]
            mix.requests_write(workdir / f"{name}.jsonl", requests)
        files = {name: wrk_file(lines[name], workdir / f"{name}.wrk") for name in runs}
        bare_file = wrk_file(lines["ack"], workdir / "bare.wrk", path_override="/store")
        bare_open = workdir / "bare.jsonl"
        bare_open.write_text("".join(json.dumps({**json.loads(x), "path": "/store"}) + "\n" for x in lines["half"]))

        logs = Path(tempfile.mkdtemp(prefix="bench-ingest-logs-"))
        print(f"   (worker logs in {logs})")
        worker = celery(processes, "worker", "-Q", "celery", "-n", "celery@bench", log=logs / "worker.log")
        outbound = celery(
            processes,
            "worker",
            "-Q",
            "outbound",
            "-n",
            "outbound@bench",
            "--pool=threads",
            "--concurrency=8",
            log=logs / "outbound.log",
        )
        celery(processes, "beat", "--schedule", str(logs / "beat-schedule"), log=logs / "beat.log")
        workers = [worker, outbound]
        server = processes.add(gunicorn_start(args.port))
        bare_server = processes.add(
            gunicorn_start(
                args.bare_port,
                app="bench.bare.site:application",
                ping="/store",
                env={"DJANGO_SETTINGS_MODULE": "bench.bare.settings"},
            )
        )
        base, bare = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.bare_port}"

        prefork = subprocess.run(["pgrep", "-g", str(worker.pid)], capture_output=True, text=True).stdout.split()
        print(
            f"conditions: {conditions()}\n"
            f"  project: DJANGO_ENV=production under gunicorn, 2 workers x 8 threads (gthread); Celery default "
            f"queue prefork ({len(prefork) - 1} processes), outbound worker (8 threads), beat, an SMTP sink, an "
            f"outbound receiver; PostgreSQL + Redis on this machine\n"
            f"  anchor: bench/bare (Security + Common middleware, one ORM INSERT), same gunicorn flags\n"
            f"  load: wrk, {WRK_THREADS} threads, {args.connections} keep-alive connections, {args.duration:.0f} s per "
            f"run; open loop: bench/ingest/load.py (Python threads, 32 connections)\n"
            f"  mix: {len(tenants)} tenants; 70 % CTM, 15 % Marketing Edge, 15 % Call Tracker; start, update and end "
            f"of each call; {mix.DUPLICATE_SHARE:.0%} retries; {mix.MISSED_SHARE:.0%} missed; call notifications "
            f"in-app + email for every owner (and parent owner); an outbound webhook (end) on every 10th tenant"
        )

        warm = wrk(base, files["warmup"], duration=300, connections=args.connections)  # until each thread runs out
        wait_drained(args.drain_timeout, also_sent=True)
        wrk(bare, bare_file, duration=2, connections=args.connections)
        print(
            f"warm-up: {warm['requests']} deliveries, every endpoint of every tenant {WARMUP_ROUNDS} times (the "
            f"receivers' lookups as in the steady state), {warm['non_2xx']} not 2xx; drained"
        )

        # 1. The acknowledgement path, workers paused.
        first = last_delivery_id()
        pause(workers, signal.SIGSTOP)
        spy = profile(args.profile, "receiver", server.pid, args.duration)
        meter = CpuMeter({"server": server.pid, "postgres": "postgres", "redis": "redis-server"})
        meter.start()
        ack = wrk(base, files["ack"], duration=args.duration, connections=args.connections)
        ack_cpu = meter.stop()
        spy.wait() if spy else None
        meter = CpuMeter({"server": bare_server.pid, "postgres": "postgres", "redis": "redis-server"})
        meter.start()
        anchor = wrk(bare, bare_file, duration=args.duration, connections=args.connections)
        anchor_cpu = meter.stop()
        ratio = ack["rate"] / anchor["rate"]
        print(
            f"1. ack path (workers paused): receiver {ack['rate']:.0f} deliveries/s ({ms(ack)}, {ack['non_2xx']} not "
            f"2xx, {ack['socket_errors']} socket errors); bare insert {anchor['rate']:.0f}/s ({ms(anchor)}); "
            f"ratio {ratio:.2f}   (goal >= 0.9)"
        )
        for label, result, cpu in (("receiver", ack, ack_cpu), ("bare insert", anchor, anchor_cpu)):
            per = {name: 1000 * seconds / max(1, result["requests"]) for name, seconds in cpu.items()}
            print(
                f"   CPU per request, {label}: "
                + ", ".join(f"{name} {ms_each:.2f} ms" for name, ms_each in per.items())
                + f" (total {sum(per.values()):.2f} ms; PostgreSQL counts every database on the machine)"
            )

        # 2. The worker on that backlog.
        waiting = backlog()
        spy = profile(args.profile, "worker", worker.pid, args.duration)
        pause(workers, signal.SIGCONT)
        processed_in = wait_drained(args.drain_timeout)
        spy.wait() if spy else None
        sent_in = processed_in + wait_drained(args.drain_timeout, also_sent=True)
        counts = phase_counts(first)
        per_process = max(1, len(prefork) - 1)
        print(
            f"2. worker: {waiting} deliveries processed in {processed_in:.1f} s = {waiting / processed_in:.0f}/s "
            f"({waiting / processed_in / per_process:.0f}/s per process, {per_process} processes); call events "
            f"applied {counts['call_events']} = {counts['call_events'] / processed_in / per_process:.0f}/s per "
            f"process, {counts['calls']} distinct calls; statuses {counts['statuses']}; notifications and outbound "
            f"sent by {sent_in:.1f} s   (goal >= 1,000 calls/s per process)"
        )

        # 3. Sustained: the workers process what is acknowledged.
        started = time.monotonic()
        sustained = wrk(base, files["sustained"], duration=args.duration, connections=args.connections)
        left = backlog()
        tail = wait_drained(args.drain_timeout)
        total_s = time.monotonic() - started
        processed_rate = sustained["requests"] / total_s
        print(
            f"3. sustained (workers running): acknowledged {sustained['rate']:.0f}/s, {left} waiting at the end of the "
            f"load, all processed {tail:.1f} s later: {processed_rate:.0f} acknowledged and processed per s; "
            f"ratio to bare insert {processed_rate / anchor['rate']:.2f}   (goal >= 0.5; acknowledged only: "
            f"{sustained['rate'] / anchor['rate']:.2f}); {ms(sustained)}, "
            f"{sustained['non_2xx']} not 2xx"
        )
        wait_drained(args.drain_timeout, also_sent=True)

        # 4. Half the acknowledgement path's maximum rate, open loop, workers running.
        half_rate = ack["rate"] / 2
        acks_file = workdir / "acks.txt"
        half = open_loop(base, workdir / "half.jsonl", rate=half_rate, duration=args.duration, acks=acks_file)
        wait_drained(args.drain_timeout)
        lag = lags(acks_file)
        bare_half = open_loop(bare, bare_open, rate=half_rate, duration=args.duration)
        print(
            f"4. at {half_rate:.0f}/s (open loop, workers running): achieved {half['rate']}/s, "
            f"ack p50 {half['p50_ms']} ms, p99 {half['p99_ms']} ms, {half['errors']} errors   (goal p99 <= 25 ms); "
            f"bare insert at the same rate p50 {bare_half['p50_ms']} ms, p99 {bare_half['p99_ms']} ms; "
            f"ack -> processed (visible in the "
            f"summary) p50 {percentile(lag, 50):.0f} ms, p99 {percentile(lag, 99):.0f} ms over {len(lag)} "
            f"deliveries   (goal p99 <= 1,000 ms)"
        )
        print(f"   load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {datetime.now():%H:%M:%S}")
    finally:
        processes.stop()


if __name__ == "__main__":
    main()
