"""What the shared cases need to know about a provider, and nothing more: one adapter per provider.

An adapter creates an endpoint of ours the way its owner would (through our API), builds deliveries the
way the provider sends them (signed with the endpoint's credentials, at the URL the provider was given),
and says what a retry, a resend, a forged or a missing credential, an unknown event and an out-of-order
pair of events look like for that provider. The cases in `test_every_provider.py` do the rest.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlsplit

SUCCESS_2XX = frozenset(range(200, 300))
OTHER_SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef"


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def path_of(url: str) -> str:
    """`https://host/v1/e/x/webhook/<id>/?token=...` -> `/v1/e/x/webhook/<id>/`."""
    return urlsplit(url).path


@dataclass(frozen=True)
class Hook:
    """One endpoint of ours as its provider knows it: where to post, and the credentials it was given."""

    endpoint_id: str
    path: str  # /v1/e/<provider>/webhook/<endpoint id>/, without a query
    secret: str  # what signs deliveries (or travels with them, as a token)
    login: tuple[str, str] | None = None  # a Basic-auth login the provider sends as well


@dataclass(frozen=True)
class Sample:
    """An event as the provider delivers it: its name where the URL carries it, and the payload."""

    event: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One POST as the provider makes it. `headers` are in WSGI form (HTTP_...), as the test client takes them."""

    path: str
    body: bytes
    event: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    def post(self, client, **extra: str):
        headers = {**self.headers, **extra}
        return client.generic("POST", self.path, self.body, content_type="application/json", **headers)

    def without(self, *names: str) -> "Delivery":
        return replace(self, headers={k: v for k, v in self.headers.items() if k not in names})

    def with_headers(self, **headers: str) -> "Delivery":
        return replace(self, headers={**self.headers, **headers})


class WebhookAdapter(ABC):
    slug: ClassVar[str]
    # The answers the provider takes as "delivered" (anything else is a failure it retries).
    success: ClassVar[frozenset[int]] = SUCCESS_2XX
    # The final event about one call, and an earlier, partial one about the same call whose data
    # disagrees with it (a call still ringing, a shorter duration).
    final: ClassVar[Sample]
    partial: ClassVar[Sample]
    # The call the final event is stored as (field -> value on `Call`).
    expected_call: ClassVar[dict[str, Any]]
    # The error code each spoiled credential is refused with (see `unsigned`, `forged`, `garbled`).
    refused_with: ClassVar[dict[str, str]] = {
        "unsigned": "SIGNATURE_REQUIRED",
        "forged": "INVALID_SIGNATURE",
        "garbled": "INVALID_SIGNATURE",
    }
    # An event of the provider's that we do not use; None when the provider has no events to tell apart.
    unknown: ClassVar[Sample | None] = None
    no_unknown_event_because: ClassVar[str] = ""

    @abstractmethod
    def create_hook(self, *, api, ctm, campaign) -> Hook:
        """An endpoint for `campaign`, created through our API as its owner would; what the provider is given."""

    @abstractmethod
    def deliver(self, hook: Hook, event: str, body: bytes) -> Delivery:
        """`body` about `event`, posted and signed as the provider does with `hook`'s credentials."""

    @abstractmethod
    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        """The same delivery without its credential (no signature, no token)."""

    @abstractmethod
    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        """The same delivery with a credential that is not even well formed."""

    def forged(self, hook: Hook, delivery: Delivery) -> Delivery:
        """The same delivery signed as the provider signs, with a secret that is not the endpoint's."""
        return self.deliver(replace(hook, secret=OTHER_SECRET), delivery.event, delivery.body)

    def with_event(self, sample: Sample, event: str) -> Sample:
        """`sample` naming `event` instead, wherever the provider names its events (by default the URL)."""
        return Sample(event, sample.payload)

    def delivery(self, hook: Hook, sample: Sample, *, body: bytes | None = None) -> Delivery:
        return self.deliver(hook, sample.event, encode(sample.payload) if body is None else body)

    def retry(self, hook: Hook, delivery: Delivery) -> Delivery:
        """The provider's retry of a delivery it thinks failed. By default the same body again, signed again."""
        return self.deliver(hook, delivery.event, delivery.body)

    def resent(self, hook: Hook, sample: Sample) -> Delivery:
        """The same event sent again as a new delivery (where the provider has delivery ids, a new one).
        By default it looks exactly like the first."""
        return self.delivery(hook, sample)
