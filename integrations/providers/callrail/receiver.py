"""CallRail deliveries to one endpoint of ours. `Signature` = base64(HMAC-SHA1(company signing key, raw
body)); the key is the endpoint's signing secret (the previous one also works for 24 hours after a
rotation). CallRail's body does not name its event: the company configures one URL per event type,
`...?event=<name>`, and the receiver reads the event from it."""

import hashlib

from django.http import HttpRequest

from integrations.models import WebhookEndpoint
from integrations.providers.callrail import normalize
from integrations.providers.callrail.signature import SIGNATURE_HEADER, signature_valid
from integrations.untrusted import json_parse
from integrations.webhooks.base import Verdict
from integrations.webhooks.endpoint_receiver import EndpointReceiverView


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list:
    return normalize.delivery_events(json_parse(body), event=event_hint)


class CallRailWebhookView(EndpointReceiverView):
    provider = normalize.PROVIDER
    normalize = staticmethod(delivery_events)

    def authenticate(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint) -> Verdict | None:
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not header:
            return Verdict.reject(401, "SIGNATURE_REQUIRED", f"{SIGNATURE_HEADER} is required.")
        if not any(signature_valid(body, header, secret) for secret in endpoint.signing_secrets()):
            return Verdict.reject(401, "INVALID_SIGNATURE", "The signature does not match.")
        return None

    # event_of: the default, the URL's `?event=` (cut to the delivery's event column).

    def dedupe_key(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint, event: str) -> str:
        """The resource id, the event and a hash of the body (a `call_modified` with new content applies),
        per endpoint."""
        key = normalize.dedupe_key(json_parse(body), body, event=event)
        return hashlib.sha256(f"{endpoint.pk}:{key}".encode()).hexdigest()
