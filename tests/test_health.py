"""/healthz and /readyz, as a load balancer or an orchestrator probes them.

The failures are real: the database connection pointed at a closed port, a migration recorded as not
applied, a broker URL where nothing listens, and one where something accepts and never answers.
"""

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from tests.test_outages import closed_port, database_down

READY = {"database": "ok", "migrations": "ok", "broker": "ok"}


@pytest.fixture
def probe() -> Client:
    """A probe as load balancers send it: plain HTTP, the machine's address as Host, no cookie, no token."""
    return Client(enforce_csrf_checks=True, HTTP_HOST="10.0.0.7:8000")


@pytest.fixture(autouse=True)
def production_like(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["ctm.example.com"]


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung server)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_healthz_answers_without_touching_the_database(probe):
    response = probe.get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_healthz_is_up_while_the_database_is_down(probe):
    with database_down():
        response = probe.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_is_200_when_database_broker_and_migrations_are_fine(probe):
    response = probe.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": READY}


@pytest.mark.django_db
def test_probes_need_no_https_no_allowed_host_and_no_credentials_and_answer_head(probe):
    assert probe.get("/v1/campaigns").status_code == 400  # everything else needs an allowed host,
    assert probe.get("/v1/campaigns", HTTP_HOST="ctm.example.com").status_code == 301  # and HTTPS
    for path in ("/healthz", "/readyz", "/readyz/"):
        response = probe.head(path)
        assert (response.status_code, response.content) == (200, b""), path


@pytest.mark.django_db
def test_probes_are_read_only(probe):
    response = probe.post("/readyz", {})
    assert response.status_code == 405  # not a CSRF refusal: the probe never reaches the CSRF check
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_the_database_when_it_is_down(probe):
    with database_down():
        response = probe.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "unreachable (OperationalError)"
    assert checks["migrations"] == "not checked (no database)"
    assert checks["broker"] == "ok"
    assert probe.get("/readyz").status_code == 200  # and ready again once it is back


@pytest.mark.django_db
def test_readyz_is_503_naming_a_migration_that_is_not_applied(probe):
    # The app's latest migration (an earlier one, recorded unapplied under an applied later one, is not
    # in the plan: Django never migrates "forwards" to a migration that is already applied).
    app, name = next(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "notifications")
    MigrationRecorder(connection).record_unapplied(app, name)

    response = probe.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {**READY, "migrations": f"1 not applied: notifications.{name}"},
    }


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_nothing_listens_at_its_address(probe, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    started = time.monotonic()
    response = probe.get("/readyz")

    assert time.monotonic() - started < settings.HEALTH_CHECK_TIMEOUT + 1
    assert response.status_code == 503
    assert response.json()["checks"] == {**READY, "broker": "unreachable (OperationalError)"}


@pytest.mark.django_db
def test_readyz_gives_up_on_a_hung_broker_in_bounded_time(probe, settings):
    settings.HEALTH_CHECK_TIMEOUT = 1.0
    with silent_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        started = time.monotonic()
        response = probe.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unreachable")
    assert elapsed < 2.5, elapsed


@pytest.mark.django_db
def test_readyz_accepts_the_embedded_filesystem_broker(probe, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    response = probe.get("/readyz")
    assert response.status_code == 200, response.content
