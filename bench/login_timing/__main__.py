"""bench/login_timing: does `POST /v1/auth/token` take as long for an unknown email as for a known one?

Run: `.venv/bin/python bench/login_timing [--rounds N]` (PostgreSQL: DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ctm_bench; the database is created if missing and reused).

Real requests through Django's test client (the whole middleware stack, DRF, authentication backends,
django-axes recording each failure) with the production password hasher (Django's default PBKDF2).
One known and one unknown email alternate, both with a wrong password, so that each answer is the
same 401 and each failure updates one django-axes row.
The lockout limit is raised for the run (LOGIN_FAILURE_LIMIT) so that every attempt reaches the hasher.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ensure_database, percentile, prepare_environment

prepare_environment()
os.environ["LOGIN_FAILURE_LIMIT"] = "1000000"

EMAIL = "bench-login@bench.example"
UNKNOWN = "nobody@bench.example"
PASSWORD = "Bench-pass-123"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per kind of email")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)  # every failure is logged as a warning
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    User = get_user_model()
    user = User.objects.filter(email=EMAIL).first() or User(username=EMAIL, email=EMAIL)
    user.set_password(PASSWORD)  # stored with today's default hasher
    user.save()
    AccessAttempt.objects.filter(username__in=[EMAIL, UNKNOWN]).delete()

    client = Client()

    def attempt(email: str) -> float:
        started = time.perf_counter()
        response = client.post(
            "/v1/auth/token", {"email": email, "password": "wrong-password"}, content_type="application/json"
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 401, response.content
        return elapsed

    for _ in range(3):  # warm up: imports, connections, caches
        attempt(EMAIL)
        attempt(UNKNOWN)
    known, unknown = [], []
    for i in range(args.rounds):
        if i % 2:
            known.append(attempt(EMAIL))
            unknown.append(attempt(UNKNOWN))
        else:
            unknown.append(attempt(UNKNOWN))
            known.append(attempt(EMAIL))
    AccessAttempt.objects.filter(username__in=[EMAIL, UNKNOWN]).delete()

    hasher = get_hasher()
    print(
        f"conditions: {platform.python_implementation()} {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"hasher {hasher.algorithm} ({getattr(hasher, 'iterations', '-')} iterations); "
        f"Django test client, {args.rounds} requests per kind, alternating, wrong password (401)"
    )
    for name, values in (("known email", known), ("unknown email", unknown)):
        print(
            f"{name:>14}: median {statistics.median(values):7.1f} ms, p95 {percentile(values, 95):7.1f} ms, "
            f"min {min(values):7.1f} ms"
        )
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"unknown / known median: {ratio:.2f} (1.00 = indistinguishable by time)")


if __name__ == "__main__":
    main()
