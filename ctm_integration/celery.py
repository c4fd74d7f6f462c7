"""The Celery app, configured from Django settings (every `CELERY_*` setting)."""

import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import beat_init, celeryd_init

from ctm_integration.beat_lock import beat_lock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctm_integration.settings")

app = Celery("ctm_integration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

beat_init.connect(beat_lock.hold, weak=False)


@celeryd_init.connect(weak=False)
def quiet_root_warning_in_development(**_signal_kwargs) -> None:
    """Celery warns whenever a worker runs as root, because a root worker that accepted pickle could be made to
    run any code. Ours accept JSON only (CELERY_ACCEPT_CONTENT; with pickle Celery refuses to start as root
    at all), and development often runs as root in a container: there the warning is noise. Production
    keeps it: run workers as an unprivileged user."""
    from django.conf import settings

    if not settings.IS_PRODUCTION:
        warnings.filterwarnings(
            "ignore", message="You're running the worker with superuser privileges", category=SecurityWarning
        )
