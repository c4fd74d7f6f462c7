"""Shared by the benchmarks: a PostgreSQL database of their own, created when missing."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ctm_bench"
# The calls table's columns in the order the benches COPY them (every one but the id).
CALL_COLUMNS = [
    "account_id",
    "provider",
    "provider_call_id",
    "provider_account_id",
    "tracking_number",
    "caller_number",
    "source",
    "direction",
    "status",
    "started_at",
    "duration",
    "talk_time",
    "is_first_time_caller",
    "recording_url",
    "campaign_id",
    "raw",
    "normalization_notes",
    "caller_name",
    "caller_location",
    "transcript",
    "voicemail",
    "keywords",
    "scoring",
    "attribution",
    "tags",
    "notes",
    "provisional",
    "completed",
    "created_at",
    "updated_at",
]


def prepare_environment(settings_module: str = "ctm_integration.settings") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def gunicorn_start(
    port: int,
    *,
    workers: int = 2,
    threads: int = 8,
    env: dict | None = None,
    app: str = "ctm_integration.wsgi:application",
    ping: str = "/v1/e/calltrackingmetrics/webhook/call-update",
):
    """The production server (gthread, keep-alive) on a WSGI app (the project's unless told); waits
    until a HEAD of `ping` answers. Its log (every 4xx is a django.request warning) goes to a file,
    named on stdout."""
    import subprocess
    import tempfile
    import time
    import urllib.error
    import urllib.request

    log = tempfile.NamedTemporaryFile(prefix=f"bench-gunicorn-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    print(f"   (gunicorn on :{port} logs to {log.name})")

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DB_CONN_MAX_AGE": "600", **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ping = urllib.request.Request(f"http://127.0.0.1:{port}{ping}", method="HEAD")
    for _ in range(150):
        try:
            urllib.request.urlopen(ping, timeout=1)
            return server
        except urllib.error.HTTPError:  # it answered
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def bench_endpoint(*, name: str, secret: str, login: tuple[str, str]):
    """A fresh account `name` with CTM credentials (API secret `secret`), a campaign tracking
    +15559876543 in CTM account 25001, and a webhook endpoint with the Basic-auth `login`."""
    from accounts.models import Account
    from accounts.services import account_create
    from integrations.models import Campaign, Key, WebhookEndpoint

    Account.objects.filter(name=name).delete()
    account = account_create(name=name, owner_email=f"{name}@bench.example", owner_password="Bench-pass-123")
    key = Key.objects.create(account=account, username="bench", password="bench", access_key="bench", secret=secret)
    campaign = Campaign.objects.create(
        account=account, name="Bench", key=key, ctm_account_id="25001", tracking_numbers=["+15559876543"]
    )
    return WebhookEndpoint.objects.create(
        provider="calltrackingmetrics",
        account=account,
        key=key,
        campaign=campaign,
        provider_account_id="25001",
        events=["call.completed"],
        basic_username=login[0],
        basic_password=login[1],
    )


def conditions() -> str:
    """The machine and the code a figure was measured on: cores, load average, PostgreSQL, commit."""
    import subprocess

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load}; PostgreSQL {postgres}; "
        f"commit {commit}{' (with uncommitted changes)' if dirty else ''}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
