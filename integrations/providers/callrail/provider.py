"""CallRail as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.callrail.normalize import EVENTS
from integrations.providers.callrail.normalize import PROVIDER as SLUG
from integrations.providers.callrail.receiver import CallRailWebhookView, delivery_events

PROVIDER = Provider(
    slug=SLUG,
    name="CallRail",
    events=EVENTS,
    auth=("signature",),
    delivery_events=delivery_events,
    receiver=CallRailWebhookView,
    # CallRail is configured with one URL per event type: its endpoints list `urls`, one per event.
    features={"event_urls": True},
)
