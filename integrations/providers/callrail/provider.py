"""CallRail as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.callrail.normalize import EVENTS
from integrations.providers.callrail.normalize import PROVIDER as SLUG
from integrations.providers.callrail.receiver import CallRailWebhookView, delivery_events
from integrations.providers.callrail.signature import SIGNATURE_HEADER, signature

SAMPLES = {
    "pre_call": "pre_call__inbound",
    "call_routing_complete": "call_routing_complete__inbound",
    "post_call": "post_call__answered",
    "call_modified": "call_modified__tags_note_value",
    "outbound_post_call": "outbound_post_call__answered",
    "outbound_call_modified": "outbound_call_modified__note",
    "text_message_received": "text_message_received__sms",
    "text_message_sent": "text_message_sent__sms",
    "form_submission": "form_submission__contact_form",
}

PROVIDER = Provider(
    slug=SLUG,
    name="CallRail",
    events=EVENTS,
    auth=("signature",),
    delivery_events=delivery_events,
    receiver=CallRailWebhookView,
    # CallRail is configured with one URL per event type: its endpoints list `urls`, one per event.
    features={"event_urls": True},
    sign=lambda body, secret: {SIGNATURE_HEADER: signature(body, secret)},
    samples={event: f"tests/fixtures/callrail/{name}.json" for event, name in SAMPLES.items()},
)
