"""Marketing Edge (Telmetrics): an endpoint created through our API (we generate the shared secret),
deliveries signed `ms-signature: sha256=<hex>` over the body. The envelope's `Id` names the delivery: a
retry repeats it with the next `Attempt`, a new delivery of the same notification has a new `Id`."""

import copy
import json
import uuid

from tests.conftest import load_fixture
from tests.webhook_cases.base import Delivery, Hook, Sample, WebhookAdapter, encode, path_of
from tests.webhook_cases.signers import ms_signature

PROCESSED = load_fixture("marketingedge", "CallDetails.CallProcessed__aligned")


def _preprocessed_disagreeing() -> dict:
    """The seed's Preprocessed notification of the same call, with a talk time the final one contradicts."""
    payload = load_fixture("marketingedge", "CallDetails.CallPreprocessed__seed")
    payload["Notifications"][0]["CallSeconds"] = 3
    return payload


def _unknown_action() -> dict:
    payload = copy.deepcopy(PROCESSED)
    payload["Id"] = "5b0c9e8d7a6f4e3d2c1b0a9f8e7d6c5b"
    payload["Notifications"][0]["Action"] = "CallDetails.CallScored"
    return payload


class MarketingEdgeAdapter(WebhookAdapter):
    slug = "marketingedge"
    final = Sample("CallDetails.CallProcessed", PROCESSED)
    partial = Sample("CallDetails.CallPreprocessed", _preprocessed_disagreeing())
    expected_call = {
        "provider": "marketingedge",
        "provider_call_id": "2079571437",
        "status": "answered",
        "talk_time": 7,
        "caller_number": "+19055552955",
        "tracking_number": "+18669592359",
        "provisional": False,
        "completed": True,
    }
    unknown = Sample("CallDetails.CallScored", _unknown_action())

    def with_event(self, sample: Sample, event: str) -> Sample:
        payload = copy.deepcopy(sample.payload)
        payload["Notifications"][0]["Action"] = event
        return Sample(event, payload)

    def create_hook(self, *, api, ctm, campaign) -> Hook:
        response = api.post(
            "/v1/webhook-endpoints", {"provider": self.slug, "campaign_id": str(campaign.pk)}, format="json"
        )
        assert response.status_code == 201, response.json()
        data = response.json()["data"]
        return Hook(endpoint_id=data["id"], path=path_of(data["url"]), secret=data["signing_secret"])

    def deliver(self, hook: Hook, event: str, body: bytes) -> Delivery:
        signature = ms_signature(secret=hook.secret, body=body)
        return Delivery(path=hook.path, body=body, event=event, headers={"HTTP_MS_SIGNATURE": signature})

    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.without("HTTP_MS_SIGNATURE")

    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.with_headers(HTTP_MS_SIGNATURE="sha256=not-hex-at-all")

    def retry(self, hook: Hook, delivery: Delivery) -> Delivery:
        """ASP.NET WebHooks retries with the same `Id` and the next `Attempt`, signed again."""
        payload = json.loads(delivery.body)
        return self.deliver(hook, delivery.event, encode({**payload, "Attempt": payload["Attempt"] + 1}))

    def resent(self, hook: Hook, sample: Sample) -> Delivery:
        return self.delivery(hook, sample, body=encode({**sample.payload, "Id": uuid.uuid4().hex}))
