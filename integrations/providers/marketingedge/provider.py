"""Marketing Edge (Telmetrics / Marchex) as a provider: its line in the registry."""

from integrations.providers.base import Provider
from integrations.providers.marketingedge.normalize import EVENTS
from integrations.providers.marketingedge.normalize import PROVIDER as SLUG
from integrations.providers.marketingedge.receiver import MarketingEdgeWebhookView, delivery_events
from integrations.providers.marketingedge.signature import SIGNATURE_HEADER, signature

SAMPLES = "tests/fixtures/marketingedge/CallDetails"

PROVIDER = Provider(
    slug=SLUG,
    name="Marketing Edge (Telmetrics)",
    events=EVENTS,
    auth=("signature",),
    delivery_events=delivery_events,
    receiver=MarketingEdgeWebhookView,
    sign=lambda body, secret: {SIGNATURE_HEADER: signature(body, secret)},
    samples={
        "CallDetails.CallStartCall": f"{SAMPLES}.CallStartCall__aligned.json",
        "CallDetails.CallPreprocessed": f"{SAMPLES}.CallPreprocessed__seed.json",
        "CallDetails.CallProcessed": f"{SAMPLES}.CallProcessed__aligned.json",
    },
)
