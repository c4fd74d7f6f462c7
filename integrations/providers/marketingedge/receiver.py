"""Marketing Edge (Telmetrics) deliveries to one endpoint of ours: `ms-signature: sha256=<hex>`
(HMAC-SHA256 of the raw body with the endpoint's shared secret; the one before a rotation also works
for 24 hours), `x-PublicKey` matched when the endpoint has one, and the sender's registration check
`GET ?echo=<value>`, answered with the value as text/plain: the one GET a receiver serves."""

import hashlib
import hmac
import re

from django.http import HttpRequest, HttpResponse, JsonResponse

from ctm_integration.api.envelope import error_body
from integrations.models import WebhookEndpoint
from integrations.providers.marketingedge import normalize
from integrations.providers.marketingedge.signature import SIGNATURE_HEADER, signature_valid
from integrations.untrusted import json_parse
from integrations.webhooks.base import Verdict
from integrations.webhooks.endpoint_receiver import EndpointReceiverView, endpoint_of

ECHO = re.compile(r"^[A-Za-z0-9-]{1,100}$")  # the sender echoes a GUID


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list:
    return normalize.delivery_events(json_parse(body), event=event_hint)


class MarketingEdgeWebhookView(EndpointReceiverView):
    provider = normalize.PROVIDER
    normalize = staticmethod(delivery_events)
    http_method_names = ["post", "head", "get"]

    def get(self, request: HttpRequest, endpoint_id=None) -> HttpResponse:
        endpoint = endpoint_of(provider=self.provider, endpoint_id=str(endpoint_id))
        echo = request.GET.get("echo", "")
        if endpoint is None or endpoint.status != WebhookEndpoint.Status.ACTIVE:
            body = error_body(status=404, message="No webhook endpoint matches.", code="UNKNOWN_ENDPOINT")
            return JsonResponse(body, status=404)
        if not ECHO.match(echo):
            body = error_body(status=400, message="GET answers ?echo=<letters, digits, ->.", code="BAD_ECHO")
            return JsonResponse(body, status=400)
        return HttpResponse(echo, content_type="text/plain; charset=utf-8")

    def authenticate(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint) -> Verdict | None:
        if endpoint.public_key and not hmac.compare_digest(
            request.headers.get("x-PublicKey", "").encode(), endpoint.public_key.encode()
        ):
            return Verdict.reject(401, "INVALID_PUBLIC_KEY", "x-PublicKey does not match this endpoint's.")
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not header:
            return Verdict.reject(401, "SIGNATURE_REQUIRED", f"{SIGNATURE_HEADER} is required.")
        if not any(signature_valid(body, header, secret) for secret in endpoint.signing_secrets()):
            return Verdict.reject(401, "INVALID_SIGNATURE", "The signature does not match.")
        return None

    def event_of(self, request: HttpRequest, payload: object, endpoint: WebhookEndpoint) -> str:
        notifications = payload.get("Notifications") if isinstance(payload, dict) else None
        first = notifications[0] if isinstance(notifications, list) and notifications else {}
        action = first.get("Action") if isinstance(first, dict) else ""
        return action[:32] if isinstance(action, str) else ""

    def dedupe_key(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint, event: str) -> str:
        """The envelope's `Id` (retries reuse it with a higher `Attempt`), per endpoint."""
        key = normalize.dedupe_key(json_parse(body), body)
        return hashlib.sha256(f"{endpoint.pk}:{key}".encode()).hexdigest()
