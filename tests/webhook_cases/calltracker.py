"""Call Tracker: an endpoint created through our API with the default credential, a secret `?token=` in
the URL Call Tracker posts to (Call Tracker signs nothing). The body names its event (`type`); Call Tracker
wants exactly 200 for every delivery it should not retry."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from tests.conftest import load_fixture
from tests.webhook_cases.base import Delivery, Hook, Sample, WebhookAdapter, path_of


class CallTrackerAdapter(WebhookAdapter):
    slug = "calltracker"
    success = frozenset({200})
    refused_with = {"unsigned": "TOKEN_REQUIRED", "forged": "INVALID_TOKEN", "garbled": "INVALID_TOKEN"}
    final = Sample("call.finished", load_fixture("calltracker", "call.finished__seed"))
    partial = Sample("call.received", load_fixture("calltracker", "call.received__seed"))
    expected_call = {
        "provider": "calltracker",
        "provider_call_id": "59179",
        "status": "answered",
        "started_at": datetime(2019, 3, 9, 9, 9, 51, 733192, tzinfo=UTC),
        "duration": 219,
        "caller_number": "+18558871739",
        "tracking_number": "+12702822733",
        "completed": True,
    }
    unknown = Sample(
        "contact.created",
        {
            "type": "contact.created",
            "object": "contact",
            "data": {"id": 5, "name": "Jane Roe", "phone_number": "+18558871739"},
            "timestamp": "2019-03-09T09:00:00.000",
            "webhook": {"target": "https://example.com/webhook/receiver/", "id": 21},
        },
    )

    def with_event(self, sample: Sample, event: str) -> Sample:
        return Sample(event, {**sample.payload, "type": event})

    def create_hook(self, *, api, ctm, campaign) -> Hook:
        response = api.post(
            "/v1/webhook-endpoints", {"provider": self.slug, "campaign_id": str(campaign.pk)}, format="json"
        )
        assert response.status_code == 201, response.json()
        data = response.json()["data"]
        return Hook(endpoint_id=data["id"], path=path_of(data["url"]), secret=data["credential"])

    def deliver(self, hook: Hook, event: str, body: bytes) -> Delivery:
        return Delivery(path=f"{hook.path}?{urlencode({'token': hook.secret})}", body=body, event=event)

    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        return Delivery(path=hook.path, body=delivery.body, event=delivery.event)

    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        return Delivery(
            path=f"{hook.path}?token=%00%FF%FE%27%20OR%20%271%27%3D%271", body=delivery.body, event=delivery.event
        )
