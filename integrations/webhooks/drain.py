"""Asking for a drain: "a delivery was stored, make sure a drain task is on its way".

The receiver and a replay call this once their row has committed; the drain task itself
(integrations.tasks) is published by its name, so nothing here imports the tasks module, which
imports the inbox's processing in turn.

Per process, requests are coalesced: at most one every WEBHOOK_DRAIN_REQUEST_SECONDS, the first at
once, and one always follows the last delivery (a timer fires at the end of the interval when
deliveries committed during it). So a burst costs one Redis round trip per interval instead of one
per delivery (the gate's SET NX was 15 % of the receiver's time, bench/README.md), and no delivery
waits more than the interval for its request: every request is sent after the commit that asked.
"""

import logging
import threading
import time

from celery import current_app
from django.conf import settings

from integrations.webhooks import drain_gate
from integrations.webhooks.redis_breaker import redis_breaker

logger = logging.getLogger(__name__)
DRAIN_TASK = "integrations.tasks.webhook_deliveries_drain"
_lock = threading.Lock()
_pending = {"scheduled": False, "last_sent": float("-inf")}


def webhook_drain_request() -> None:
    """Make sure a drain follows: now, or at the end of this process's interval if one was sent
    within it (a request already scheduled covers this one too)."""
    interval = settings.WEBHOOK_DRAIN_REQUEST_SECONDS
    if interval <= 0:
        drain_request_send()
        return
    with _lock:
        if _pending["scheduled"]:
            return
        _pending["scheduled"] = True
        wait = _pending["last_sent"] + interval - time.monotonic()
    if wait > 0:
        timer = threading.Timer(wait, _scheduled_send)
        timer.daemon = True
        timer.start()
    else:
        _scheduled_send(raise_errors=True)


def _scheduled_send(*, raise_errors: bool = False) -> None:
    with _lock:  # cleared before sending: a delivery committed from now on schedules the next one
        _pending["scheduled"] = False
        _pending["last_sent"] = time.monotonic()
    try:
        drain_request_send()
    except Exception:
        if raise_errors:
            raise
        logger.exception("could not request a drain; the sweeper will find the waiting deliveries")


def drain_request_send() -> None:
    """While a drain is already requested and not yet started, no further task is queued (one task
    per burst, not per delivery). If Redis or the broker is down nothing is queued (a broker error
    is raised, and logged by on_commit's robust mode): the rows stay pending and the sweeper asks
    again later."""
    if not drain_gate.gate_take():
        return
    try:
        current_app.send_task(DRAIN_TASK)
    except Exception as exc:
        redis_breaker.trip(f"{type(exc).__name__}: {exc}")
        drain_gate.gate_release()
        raise
