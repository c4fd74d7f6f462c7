"""Call Tracker deliveries to one endpoint of ours. Call Tracker documents no signature: the endpoint's
unguessable URL is the credential, plus a secret query token we generate (`?token=`, the default) or a
Basic-auth login. Call Tracker wants exactly 200 for every delivery, retries 5 times over 24 hours and
then deactivates the endpoint, so every authentic delivery we store is answered 200, unknown event types
included (stored as ignored); only inauthentic ones get a 4xx."""

import hashlib
import hmac
from datetime import timedelta

from django.http import HttpRequest

from integrations.models import WebhookEndpoint
from integrations.providers.calltracker import normalize
from integrations.untrusted import json_parse
from integrations.webhooks.base import Verdict
from integrations.webhooks.endpoint_receiver import EndpointReceiverView
from integrations.webhooks.signatures import basic_auth_matches

QUERY_TOKEN = "query_token"  # noqa: S105  (the name of an auth scheme, not a secret)
BASIC = "basic"
EVENT_MAX_LENGTH = 32  # the delivery's `event` column


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list:
    return normalize.delivery_events(json_parse(body), event=event_hint)


class CallTrackerWebhookView(EndpointReceiverView):
    provider = normalize.PROVIDER
    normalize = staticmethod(delivery_events)
    # Call Tracker retries a refused delivery 5 times over 24 hours, then deactivates the endpoint: the
    # owners hear of it at the first retry refused, long before that.
    failing_after = (2, timedelta(hours=24))

    def authenticate(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint) -> Verdict | None:
        if endpoint.auth == BASIC:
            header = request.headers.get("Authorization", "")
            if not header:
                return Verdict.reject(401, "AUTH_REQUIRED", "Basic authentication is required.")
            if not basic_auth_matches(
                header=header, username=endpoint.basic_username, password=endpoint.basic_password
            ):
                return Verdict.reject(401, "INVALID_AUTH", "The login does not match this endpoint's.")
            return None
        given = request.GET.get("token", "")
        if not given:
            return Verdict.reject(401, "TOKEN_REQUIRED", "The endpoint's ?token= is required.")
        if not endpoint.credential or not hmac.compare_digest(given.encode(), endpoint.credential.encode()):
            return Verdict.reject(401, "INVALID_TOKEN", "The token does not match this endpoint's.")
        return None

    def event_of(self, request: HttpRequest, payload: object, endpoint: WebhookEndpoint) -> str:
        kind = payload.get("type") if isinstance(payload, dict) else None
        return kind[:EVENT_MAX_LENGTH] if isinstance(kind, str) else ""

    def dedupe_key(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint, event: str) -> str:
        """`type`, `data.id` and a hash of the body (Call Tracker sends no delivery id), per endpoint."""
        key = normalize.dedupe_key(json_parse(body), body)
        return hashlib.sha256(f"{endpoint.pk}:{key}".encode()).hexdigest()
