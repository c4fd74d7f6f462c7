"""Marketing Edge (Telmetrics / Marchex) as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.marketingedge.normalize import EVENTS
from integrations.providers.marketingedge.normalize import PROVIDER as SLUG
from integrations.providers.marketingedge.receiver import MarketingEdgeWebhookView, delivery_events

PROVIDER = Provider(
    slug=SLUG,
    name="Marketing Edge (Telmetrics)",
    events=EVENTS,
    auth=("signature",),
    delivery_events=delivery_events,
    receiver=MarketingEdgeWebhookView,
)
