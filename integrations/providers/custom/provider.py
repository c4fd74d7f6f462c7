"""A mapped custom source as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.custom.normalize import SLUG, delivery_events, field_map_clean
from integrations.providers.custom.receiver import HEADER_TOKEN, STANDARD_WEBHOOKS, CustomWebhookView

PROVIDER = Provider(
    slug=SLUG,
    name="Custom source",
    events=("call",),
    auth=(STANDARD_WEBHOOKS, HEADER_TOKEN),
    delivery_events=delivery_events,
    receiver=CustomWebhookView,
    features={"field_map": field_map_clean},
)
