"""`bin/serve`, the production start, run for real: gunicorn, a Celery worker and beat on the tests'
PostgreSQL and Redis, DEBUG off, static files collected and served by WhiteNoise; then stopped by SIGTERM."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.celery_processes import ROOT
from tests.conftest import database_url_of_tests, wait_for

pytestmark = [pytest.mark.serve, pytest.mark.django_db(transaction=True)]

HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy in front sets


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def answers(url: str) -> bool:
    try:
        return fetch(url)[0] == 200
    except OSError:
        return False


def production_env(tmp_path, settings, port: int) -> dict[str, str]:
    development = {"DEBUG", "API_DOCS_PUBLIC", "EMAIL_BACKEND", "SECURE_SSL_REDIRECT", "LOCAL_STATE_DIR"}
    return {
        **{k: v for k, v in os.environ.items() if k not in development},
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOCAL_STATE_DIR": str(tmp_path / "state"),
        "PYTHON": sys.executable,
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "CELERY_CONCURRENCY": "1",
        "DB_CONN_MAX_AGE": "0",
        "WEBHOOK_SWEEP_EVERY": "1",  # beat sends a task every second: the worker must run it
    }


def test_bin_serve_starts_ready_serves_static_files_runs_tasks_and_stops_cleanly(tmp_path, settings):
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("bin/serve runs on PostgreSQL and Redis")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen(
            [str(ROOT / "bin" / "serve")],
            cwd=ROOT,
            env=production_env(tmp_path, settings, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: what is left of it after it stops can be found
        )
    try:
        assert wait_for(lambda: answers(f"{base}/readyz") or serve.poll() is not None, timeout=120)
        assert serve.poll() is None, log.read_text()
        status, _, body = fetch(f"{base}/readyz")  # plain HTTP: not redirected to HTTPS
        assert (status, body) == (
            200,
            b'{"status": "ok", "checks": {"database": "ok", "migrations": "ok", "broker": "ok"}}',
        )

        status, _, page = fetch(f"{base}/admin/login/", HTTPS)
        assert status == 200
        stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page[:2000]  # content-hashed by the manifest storage (DEBUG off)
        status, headers, _ = fetch(base + stylesheet.group(1).decode(), HTTPS)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]  # WhiteNoise: hashed files are cached for ever
        assert fetch(f"{base}/", HTTPS)[0] == 200

        swept = re.compile(r"Task integrations\.tasks\.webhook_deliveries_sweep\[[-0-9a-f]+\] succeeded")
        assert wait_for(lambda: swept.search(log.read_text()), timeout=60), log.read_text()  # beat -> Redis -> worker

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0, log.read_text()
        assert wait_for(lambda: not group_alive(serve.pid), timeout=10), "processes left after bin/serve stopped"
    finally:
        if group_alive(serve.pid):
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait(timeout=10)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
