"""How a custom source's deliveries prove they are the endpoint's: a Standard Webhooks signature
(`webhook-id`, `webhook-timestamp`, `webhook-signature`, signed with the endpoint's `whsec_` secret;
the secret before a rotation also works for 24 hours), or a secret token in a header of its choice."""

import hashlib
import hmac

from django.http import HttpRequest
from standardwebhooks import Webhook, WebhookVerificationError

from integrations.models import WebhookEndpoint
from integrations.providers.custom.normalize import SLUG, delivery_events, field_map_kind
from integrations.webhooks.base import Verdict
from integrations.webhooks.endpoint_receiver import EndpointReceiverView

STANDARD_WEBHOOKS = "standard_webhooks"
HEADER_TOKEN = "header_token"  # noqa: S105  (the name of an auth scheme, not a secret)
DEFAULT_HEADER = "X-Webhook-Token"
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def standard_webhooks_valid(*, secrets: list[str], body: bytes, headers: dict[str, str]) -> bool:
    """Standard Webhooks v1 with any live secret (the library checks the 5-minute timestamp window).
    The signature only: the body is parsed afterwards, as every provider's is. A signature header that is
    not even well formed (no `v1,`, broken base64) is no match, like a wrong one."""
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
            return True
        except (WebhookVerificationError, ValueError):
            continue
    return False


class CustomWebhookView(EndpointReceiverView):
    provider = SLUG
    normalize = staticmethod(delivery_events)

    def authenticate(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint) -> Verdict | None:
        if endpoint.auth == HEADER_TOKEN:
            given = request.headers.get(endpoint.header_name or DEFAULT_HEADER, "")
            if not given or not hmac.compare_digest(given.encode(), endpoint.credential.encode()):
                return Verdict.reject(401, "INVALID_TOKEN", f"{endpoint.header_name or DEFAULT_HEADER} is wrong.")
            return None
        try:
            body.decode()
        except UnicodeDecodeError:
            # JSON travels as UTF-8, and Standard Webhooks signs text: such a body can be neither
            # verified nor read, whoever sent it.
            return Verdict.reject(400, "INVALID_JSON", "The body is not UTF-8 text, so it is not JSON.")
        headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
        if not all(headers.values()):
            return Verdict.reject(
                401, "SIGNATURE_REQUIRED", "webhook-id, webhook-timestamp and webhook-signature are required."
            )
        if not standard_webhooks_valid(secrets=endpoint.signing_secrets(), body=body, headers=headers):
            return Verdict.reject(
                401, "INVALID_SIGNATURE", "The signature does not match (or is outside its time window)."
            )
        return None

    def event_of(self, request: HttpRequest, payload: object, endpoint: WebhookEndpoint) -> str:
        return field_map_kind(endpoint.field_map)  # "call" or "lead"

    def dedupe_key(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint, event: str) -> str:
        """Standard Webhooks' `webhook-id` is the same on every retry of one message."""
        message_id = request.headers.get("webhook-id", "")
        if endpoint.auth != HEADER_TOKEN and message_id:
            return hashlib.sha256(f"{endpoint.pk}:{message_id}".encode()).hexdigest()
        return super().dedupe_key(request, body, endpoint, event)
