"""Asking for a drain: "a delivery was stored, make sure a drain task is on its way".

The receiver and a replay call this; the drain task itself (integrations.tasks) is published by its
name, so nothing here imports the tasks module, which imports the inbox's processing in turn.
"""

from celery import current_app

from integrations.webhooks import drain_gate
from integrations.webhooks.redis_breaker import redis_breaker

DRAIN_TASK = "integrations.tasks.webhook_deliveries_drain"


def webhook_drain_request() -> None:
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
