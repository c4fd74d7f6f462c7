"""The SSRF guard is on unless a development run lifts it: production keeps it, and says so if not."""

from tests.test_settings import PRODUCTION, run_with

PRINT_GUARD = (
    "import django; django.setup(); from django.conf import settings; print(settings.OUTBOUND_ALLOW_PRIVATE_TARGETS)"
)


def test_production_keeps_the_guard_on_by_default():
    result = run_with(PRODUCTION, "-c", PRINT_GUARD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_check_deploy_warns_when_production_lifts_the_guard():
    result = run_with({**PRODUCTION, "OUTBOUND_ALLOW_PRIVATE_TARGETS": "1"}, "manage.py", "check", "--deploy")
    assert "outbound.W001" in result.stdout + result.stderr


def test_a_retry_schedule_that_is_not_seconds_is_refused():
    result = run_with({**PRODUCTION, "OUTBOUND_RETRY_SCHEDULE": "60,soon"}, "-c", PRINT_GUARD)
    assert result.returncode != 0 and "OUTBOUND_RETRY_SCHEDULE" in result.stderr
