"""A mapped custom source: an endpoint created through our API with a field map, deliveries signed with
Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A retry keeps the message's
`webhook-id` with a new timestamp; a new message about the same call has a new `webhook-id`."""

import time
import uuid
from datetime import UTC, datetime

from tests.conftest import load_fixture
from tests.webhook_cases.base import Delivery, Hook, Sample, WebhookAdapter, path_of
from tests.webhook_cases.signers import standard_webhooks_signature

FIELD_MAP = {
    "started_at": "created",
    "caller_number": "contact.primary_phone",
    "caller_name": "contact.name",
    "tracking_number": "to",
    "duration": "call.length_seconds",
    "status": "call.outcome",
}
CALL = load_fixture("custom", "call__sample")
SIGNATURE_HEADERS = ("HTTP_WEBHOOK_ID", "HTTP_WEBHOOK_TIMESTAMP", "HTTP_WEBHOOK_SIGNATURE")


class CustomAdapter(WebhookAdapter):
    slug = "custom"
    final = Sample("call", CALL)
    partial = Sample("call", {**CALL, "call": {"outcome": "ringing"}})  # the same call, while it rang
    expected_call = {
        "provider": "custom",
        "status": "answered",
        "started_at": datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC),
        "duration": 125,
        "caller_number": "+15551234567",
        "caller_name": "Ada Lovelace",
        "tracking_number": "+15559876543",
        "completed": True,
    }
    unknown = None
    no_unknown_event_because = (
        "a custom endpoint receives the one event its field map describes (a call, or a form lead): every "
        "delivery is read as that, and one the map cannot read is refused with 400 before it is acknowledged"
    )

    def create_hook(self, *, api, ctm, campaign) -> Hook:
        response = api.post(
            "/v1/webhook-endpoints",
            {"provider": self.slug, "campaign_id": str(campaign.pk), "field_map": FIELD_MAP},
            format="json",
        )
        assert response.status_code == 201, response.json()
        data = response.json()["data"]
        return Hook(endpoint_id=data["id"], path=path_of(data["url"]), secret=data["signing_secret"])

    def deliver(self, hook: Hook, event: str, body: bytes, *, message_id: str = "") -> Delivery:
        message_id = message_id or f"msg_{uuid.uuid4().hex}"
        timestamp = str(int(time.time()))
        signature = standard_webhooks_signature(
            secret=hook.secret, message_id=message_id, timestamp=timestamp, body=body
        )
        headers = dict(zip(SIGNATURE_HEADERS, (message_id, timestamp, signature), strict=True))
        return Delivery(path=hook.path, body=body, event=event, headers=headers)

    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.without(*SIGNATURE_HEADERS)

    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.with_headers(HTTP_WEBHOOK_SIGNATURE="garbage")

    def retry(self, hook: Hook, delivery: Delivery) -> Delivery:
        """Standard Webhooks: the same `webhook-id` on every attempt, a fresh timestamp and signature."""
        return self.deliver(hook, delivery.event, delivery.body, message_id=delivery.headers["HTTP_WEBHOOK_ID"])
