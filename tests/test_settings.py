"""Production settings refuse to start without their secrets, naming what is missing."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:9/unreachable",  # none of these tests needs it
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "ALLOWED_HOSTS": "ctm.example.com",
}


def run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith(("SECURE_", "API_DOCS"))}
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "ctm_integration.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_with(env, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)")


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


def test_check_deploy_finds_nothing_to_warn_about_in_production():
    result = run_with(PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# Requests through the whole production middleware stack, with the static files collected as a deploy does.
PRODUCTION_REQUESTS = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
https = {"HTTP_X_FORWARDED_PROTO": "https"}
css = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
answers = {
    "api_over_http": client.get("/v1/campaigns"),
    "healthz_over_http": client.get("/healthz", HTTP_HOST="10.0.0.7:8000"),
    "readyz_over_http": client.get("/readyz", HTTP_HOST="10.0.0.7:8000"),
    "static_over_https": client.get(css, **https),
    "schema_over_https": client.get("/api/schema/", **https),
}
print(json.dumps({
    "docs_public": settings.API_DOCS_PUBLIC,
    **{name: {"status": r.status_code, "location": r.get("Location", ""),
              "hsts": r.get("Strict-Transport-Security", ""), "type": r.get("Content-Type", "")}
       for name, r in answers.items()},
}))
"""


def test_production_redirects_to_https_with_hsts_except_health_probes_and_serves_the_docs_assets(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static"), "ALLOWED_HOSTS": "testserver"}
    collected = run_with(env, "manage.py", "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    result = run_with(env, "-c", PRODUCTION_REQUESTS)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    assert answers["api_over_http"]["status"] == 301
    assert answers["api_over_http"]["location"] == "https://testserver/v1/campaigns"
    # Load balancers probe over plain HTTP, naming the machine's address rather than an allowed host.
    assert answers["healthz_over_http"]["status"] == 200, answers["healthz_over_http"]
    assert answers["readyz_over_http"]["status"] == 503, answers["readyz_over_http"]  # the database is unreachable
    assert answers["static_over_https"]["status"] == 200  # served by WhiteNoise from the collected files
    assert answers["static_over_https"]["type"].startswith("text/css")
    assert answers["static_over_https"]["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert answers["docs_public"] is False
    assert answers["schema_over_https"]["status"] == 401


def test_tls_settings_follow_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.API_DOCS_PUBLIC)"
    )
    custom = {
        **PRODUCTION,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "600",
        "SECURE_PROXY_SSL_HEADER": "X-Scheme",
        "API_DOCS_PUBLIC": "1",
    }
    result = run_with(custom, "-c", script)
    assert result.stdout.strip() == "False 600 ('HTTP_X_SCHEME', 'https') True", result.stderr
    result = run_with({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": ""}, "-c", script)
    assert result.stdout.strip() == "True 31536000 None False", result.stderr
