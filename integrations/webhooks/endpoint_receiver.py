"""The receiver of one endpoint of ours (`/v1/e/<provider>/webhook/<endpoint id>/`), for providers
whose deliveries name no tenant we could trust: the unguessable endpoint URL chooses the tenant.

A provider subclasses `EndpointReceiverView`, says which provider it is, and fills in
`authenticate()` (its validators: signatures, tokens, logins) and, where it has one, `dedupe_key()`.
The rest is the same for everyone: an unknown endpoint is 404, a disabled one 410 ("stop sending"),
the body must be JSON we can store and normalize exactly as processing will (else 400), and only
then is the delivery accepted: a 2xx means it will be processed.
"""

import hashlib
import uuid

from django.http import HttpRequest

from integrations.models import WebhookEndpoint
from integrations.untrusted import UntrustedJson, json_parse, storable_text
from integrations.webhooks.base import Verdict, WebhookReceiverView
from integrations.webhooks.lookup_cache import cached


def endpoint_of(*, provider: str, endpoint_id: str) -> WebhookEndpoint | None:
    """The provider's endpoint with that id, whatever its status (cached, see lookup_cache)."""
    try:
        pk = uuid.UUID(str(endpoint_id))
    except ValueError:
        return None
    return cached(
        ("endpoint", provider, pk),
        lambda: WebhookEndpoint.objects.select_related("account", "campaign").filter(pk=pk, provider=provider).first(),
    )


class EndpointReceiverView(WebhookReceiverView):
    # The provider's delivery_events(body, *, event_hint, endpoint), as a staticmethod of the subclass.
    normalize = None

    def authenticate(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint) -> Verdict | None:
        """A rejection (401) if the delivery does not carry the endpoint's credential, else None."""
        raise NotImplementedError

    def event_of(self, request: HttpRequest, payload: object, endpoint: WebhookEndpoint) -> str:
        """The event the delivery is about, as the provider names it ("" when the payload says), or as
        the endpoint says (a custom source's field map describes a call or a form lead)."""
        return request.GET.get("event", "")[:32]

    def dedupe_key(self, request: HttpRequest, body: bytes, endpoint: WebhookEndpoint, event: str) -> str:
        """Deliveries with the same key are one delivery sent again. Default: the same body again."""
        return hashlib.sha256(b"%s:%s:" % (str(endpoint.pk).encode(), event.encode()) + body).hexdigest()

    def verdict(self, request: HttpRequest, body: bytes, endpoint_id: str | None = None) -> Verdict:
        endpoint = endpoint_of(provider=self.provider, endpoint_id=str(endpoint_id))
        if endpoint is None:
            return Verdict.reject(404, "UNKNOWN_ENDPOINT", "No webhook endpoint matches this delivery.")
        matched = {"endpoint": endpoint, "account": endpoint.account}
        if endpoint.status != WebhookEndpoint.Status.ACTIVE:
            return Verdict.reject(
                410, "ENDPOINT_DISABLED", "This webhook endpoint is disabled; stop sending.", **matched
            )
        refused = self.authenticate(request, body, endpoint)
        if refused is not None:
            return Verdict.reject(refused.http_status, refused.code, refused.message, **matched)
        try:
            payload = json_parse(body)
        except UntrustedJson as exc:
            return Verdict.reject(400, "INVALID_JSON", str(exc), **matched)
        event = storable_text(self.event_of(request, payload, endpoint))  # a NUL would make storing it an outage
        try:
            self.normalize(body, event_hint=event, endpoint=endpoint)
        except ValueError as exc:
            return Verdict.reject(400, "INVALID_PAYLOAD", str(exc), event=event, **matched)
        return Verdict.accept(event=event, dedupe_key=self.dedupe_key(request, body, endpoint, event), **matched)
