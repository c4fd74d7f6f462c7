"""What the README tells operators and API clients stays true: token lifetimes and the refresh route,
and the variables production cannot start without."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_the_documented_jwt_lifetimes_are_the_defaults():
    row = re.search(r"\| `JWT_ACCESS_MINUTES`, `JWT_REFRESH_DAYS` \| `(\d+)`, `(\d+)` \|", README)
    assert row, "the Settings table lists the JWT lifetimes"
    access_minutes, refresh_days = int(row[1]), int(row[2])
    signing_in = section("Signing in")
    assert f"lives `JWT_ACCESS_MINUTES` (default {access_minutes} minutes)" in signing_in
    assert f"lives `JWT_REFRESH_DAYS` (default {refresh_days} day" in signing_in

    clean = {k: v for k, v in os.environ.items() if not k.startswith("JWT_")}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SIMPLE_JWT['ACCESS_TOKEN_LIFETIME'].total_seconds(), s.SIMPLE_JWT['REFRESH_TOKEN_LIFETIME'].days)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ctm_integration.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [str(access_minutes * 60.0), str(refresh_days)], result.stderr


def test_the_documented_refresh_call_is_the_refresh_route():
    calls = re.findall(r"curl -s -X POST localhost:8000(/v1/auth/token/refresh) ", section("Signing in"))
    assert calls, "Signing in shows the refresh call"
    assert resolve(calls[0]).url_name == "auth-token-refresh"


def test_every_variable_production_requires_is_in_the_production_table():
    required = set(re.findall(r'required\("([A-Z_]+)"\)', (ROOT / "ctm_integration" / "settings.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section("Production"), flags=re.M))
    assert required == {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}
    assert required <= documented, required - documented
