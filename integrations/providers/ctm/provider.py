"""CallTrackingMetrics as a provider: its line in the registry."""

import time

from integrations.providers.base import Provider
from integrations.providers.ctm import tasks  # noqa: F401  (its Celery tasks: the sync)
from integrations.providers.ctm.account_actions import disconnect_ctm_globally
from integrations.providers.ctm.normalize import SLUG, WEBHOOK_EVENTS, delivery_events
from integrations.providers.ctm.webhook_receiver import CtmWebhookView
from integrations.webhooks.signatures import ctm_signature


def sign(body: bytes, secret: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"X-CTM-Time": timestamp, "X-CTM-Signature": ctm_signature(secret=secret, timestamp=timestamp, body=body)}


PROVIDER = Provider(
    slug=SLUG,
    name="CallTrackingMetrics",
    events=tuple(event.value for event in WEBHOOK_EVENTS),
    auth=("signature", "basic"),
    delivery_events=delivery_events,
    receiver=CtmWebhookView,
    urls="integrations.providers.ctm.urls",
    features={"client": True, "sync": True, "registration": "POST /v1/e/calltrackingmetrics/<tokenId>/webhook"},
    sign=sign,
    samples={
        "call.received": "tests/fixtures/ctm/webhook__start.json",
        "call.completed": "tests/fixtures/ctm/webhook__end.json",
    },
    account_admin_actions=(disconnect_ctm_globally,),
)
