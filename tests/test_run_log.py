"""`bin/run`'s output stays readable: no warning that is not about us, one line per email, one line per event.

The processes are real: a zero-configuration Celery worker and beat (the embedded filesystem broker),
started as `bin/run` starts them, and Django's own logging in a fresh process.
"""

import os
import subprocess
import sys

import pytest

from notifications.models import NotificationDelivery
from notifications.sending import notification_delivery_send
from notifications.services import notification_record
from tests.celery_processes import ROOT, CeleryProcess, zero_config_env
from tests.conftest import database_url_of_tests, owner_of, wait_for

NOISE = ("No hostname was supplied", "superuser privileges", "SecurityWarning", "AXES: BEGIN")


@pytest.mark.django_db(transaction=True)
def test_a_zero_config_worker_and_beat_start_without_warnings_that_are_not_ours(tmp_path, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the processes share the test database: PostgreSQL only")
    env = zero_config_env(
        state_dir=tmp_path / "state",
        database_url=database_url_of_tests(),
        encryption_key=",".join(settings.FIELD_ENCRYPTION_KEY),
    )
    elsewhere = tmp_path / "cwd"  # started from another directory: nothing may be written there
    elsewhere.mkdir()
    worker = CeleryProcess("worker", "--pool=solo", env=env, log=tmp_path / "worker.log", cwd=elsewhere)
    beat = CeleryProcess("beat", env=env, log=tmp_path / "beat.log", cwd=elsewhere)
    try:
        assert wait_for(lambda: "ready." in worker.output, timeout=60), worker.output
        assert wait_for(lambda: "beat: Starting..." in beat.output, timeout=60), beat.output
    finally:
        worker.stop(), beat.stop()

    for output in (worker.output, beat.output):
        assert "filesystem://" in output  # the embedded broker, as without configuration
        for noise in NOISE:
            assert noise not in output, output
    assert list(elsewhere.iterdir()) == []  # kombu's control/ folder lives in the state directory


def settings_process(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"EMAIL_HOST", "EMAIL_BACKEND", "DJANGO_ENV"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ctm_integration.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_logs_one_line_per_email_by_default():
    result = settings_process("from django.conf import settings; print(settings.EMAIL_BACKEND)")
    assert result.stdout.strip() == "ctm_integration.email_log_backend.LogEmailBackend", result.stderr


@pytest.mark.django_db
def test_an_email_in_development_is_one_log_line_naming_recipient_and_subject(account, settings, caplog, capsys):
    settings.EMAIL_BACKEND = "ctm_integration.email_log_backend.LogEmailBackend"
    (notification,) = notification_record(
        event="project_added", account=account, context={"integration": "calltrackingmetrics"}
    )
    delivery = NotificationDelivery.objects.get(notification=notification, channel="email")

    with caplog.at_level("INFO", logger="ctm_integration.email_log_backend"):
        assert notification_delivery_send(delivery_id=delivery.pk) == "sent"

    lines = [r.getMessage() for r in caplog.records if r.name == "ctm_integration.email_log_backend"]
    assert lines == [f"email to {owner_of(account).email}: CallTrackingMetrics connected"]
    assert "Acme Dental" not in caplog.text  # the body is not dumped
    assert capsys.readouterr().out == ""  # nor printed as the console backend did


def test_a_django_warning_is_logged_once_through_the_redacting_handler():
    result = settings_process(
        "from django.test import Client; Client().get('/nowhere')", DEBUG="1", ALLOWED_HOSTS="testserver"
    )
    assert result.stderr.count("Not Found: /nowhere") == 1, result.stderr
