"""The project's settings plus one bench-only URL: a bare view that inserts one row with the ORM."""

from ctm_integration.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ingest.urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
