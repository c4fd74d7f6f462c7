"""What a call-tracking provider is to this service: the interface every provider folder fills in.

Generic code (the receivers, the inbox, the call store, the admin, the tasks) knows providers only
through this interface and the one list in `registry.py`; it never imports a provider by name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.events import NormalizedEvent


@dataclass(frozen=True)
class Provider:
    slug: str  # in URLs (/v1/e/<slug>/...), on every stored row, in the API
    name: str  # for people
    events: tuple[str, ...]  # the provider's events we accept
    auth: tuple[str, ...]  # how its deliveries may authenticate (e.g. "signature", "basic", "query_token")
    # A stored, validated delivery -> what happened (pure: no database). Raises ValueError for a body
    # that cannot be normalized.
    delivery_events: Callable[..., list[NormalizedEvent]]
    # The view class that receives its webhooks (a WebhookReceiverView: validators, verdict).
    receiver: type | None = None
    # Optional URLconf module of its own routes under /v1/e/<slug>/ (registration, proxied data...).
    urls: str | None = None
    # Whatever else it offers (a client, a sync, registration at the provider), by name.
    features: dict[str, Any] = field(default_factory=dict)
    # For `manage.py webhook_send`: the headers that sign `body` with `secret` as the provider does,
    # and a realistic delivery per event (paths from the project root).
    sign: Callable[[bytes, str], dict[str, str]] | None = None
    samples: dict[str, str] = field(default_factory=dict)
    # Django admin actions it adds to the Account admin page (`(modeladmin, request, queryset)` functions
    # decorated with `@admin.action`), e.g. disconnecting it from the selected accounts.
    account_admin_actions: tuple[Callable[..., Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "name": self.name, "events": list(self.events), "auth": list(self.auth)}
