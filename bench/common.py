"""Shared by the benchmarks: a PostgreSQL database of their own, created when missing."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ctm_bench"


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


def gunicorn_start(port: int, *, workers: int = 2, threads: int = 8, env: dict | None = None):
    """The production server (gthread, keep-alive) on the project's WSGI app; waits until it answers.
    Its log (every 4xx is a django.request warning) goes to a file, named on stdout."""
    import subprocess
    import tempfile
    import time
    import urllib.request

    log = tempfile.NamedTemporaryFile(prefix=f"bench-gunicorn-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    print(f"   (gunicorn on :{port} logs to {log.name})")

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ctm_integration.wsgi:application",
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
    ping = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/e/calltrackingmetrics/webhook/call-update", method="HEAD"
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(ping, timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def ctm_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """CTM's X-CTM-Signature, written here independently of the product: base64(HMAC-SHA1(secret, time + body))."""
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha1).digest()).decode()
