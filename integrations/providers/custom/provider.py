"""A mapped custom source as a provider: its line in the registry."""

import uuid

from django.utils import timezone
from standardwebhooks import Webhook

from integrations.providers.base import Provider
from integrations.providers.custom.normalize import EVENTS, SLUG, delivery_events, field_map_clean, field_map_events
from integrations.providers.custom.receiver import HEADER_TOKEN, STANDARD_WEBHOOKS, CustomWebhookView


def sign(body: bytes, secret: str) -> dict[str, str]:
    """Standard Webhooks headers for a new message."""
    message_id, now = f"msg_{uuid.uuid4().hex}", timezone.now()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body.decode()),
    }


PROVIDER = Provider(
    slug=SLUG,
    name="Custom source",
    events=EVENTS,  # an endpoint receives one of them: what its field map describes, a call or a form lead
    auth=(STANDARD_WEBHOOKS, HEADER_TOKEN),
    delivery_events=delivery_events,
    receiver=CustomWebhookView,
    # The endpoint's field map is checked when saved, and says which of the events the endpoint receives.
    features={"field_map": field_map_clean, "field_map_events": field_map_events},
    sign=sign,
    samples={"call": "tests/fixtures/custom/call__sample.json", "lead": "tests/fixtures/custom/lead__sample.json"},
)
