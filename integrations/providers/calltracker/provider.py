"""Call Tracker as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.calltracker.normalize import EVENTS
from integrations.providers.calltracker.normalize import PROVIDER as SLUG
from integrations.providers.calltracker.receiver import BASIC, QUERY_TOKEN, CallTrackerWebhookView, delivery_events

PROVIDER = Provider(
    slug=SLUG,
    name="Call Tracker",
    events=EVENTS,
    auth=(QUERY_TOKEN, BASIC),  # the first is the default
    delivery_events=delivery_events,
    receiver=CallTrackerWebhookView,
    # No signature: webhook_send takes the endpoint's --token (or --login); one sample per event.
    samples={
        event: f"tests/fixtures/calltracker/{event}__seed.json" for event in EVENTS if event != "voicemail.received"
    }
    | {"voicemail.received": "tests/fixtures/calltracker/voicemail.received__aligned.json"},
)
