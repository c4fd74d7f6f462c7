"""Production settings refuse to start without their secrets, naming what is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ctm_integration",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "ALLOWED_HOSTS": "ctm.example.com",
}


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "ctm_integration.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_every_secret_and_debug_off():
    result = load_settings(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    result = load_settings({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_ENV=production" in result.stderr


def test_a_malformed_encryption_key_is_refused():
    result = load_settings({**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-fernet-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY" in result.stderr
