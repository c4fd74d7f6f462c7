"""CallRail: an endpoint created through our API (we generate the company's signing key), one URL per event
(`?event=post_call`), deliveries signed `Signature: base64(HMAC-SHA1)` over the body. CallRail has no
delivery id: a retry and a resend are the same body again."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from tests.conftest import load_fixture
from tests.webhook_cases.base import Delivery, Hook, Sample, WebhookAdapter, path_of
from tests.webhook_cases.signers import callrail_signature


class CallRailAdapter(WebhookAdapter):
    slug = "callrail"
    final = Sample("post_call", load_fixture("callrail", "post_call__answered"))
    partial = Sample("pre_call", load_fixture("callrail", "pre_call__inbound"))
    expected_call = {
        "provider": "callrail",
        "provider_call_id": "CAL0f4b9e21c7d84a6f8e53b1d2c9a07e64",
        "status": "answered",
        "started_at": datetime(2026, 3, 12, 14, 15, 1, 882000, tzinfo=UTC),
        "duration": 184,
        "caller_number": "+12148654559",
        "tracking_number": "+14045558514",
        "completed": True,
    }
    # A newer CallRail event we were never told about (its URL was configured by hand).
    unknown = Sample(
        "convert_assist_complete",
        {"resource_id": "CAL0f4b9e21c7d84a6f8e53b1d2c9a07e64", "summary": "Caller asked for a roof estimate."},
    )

    def create_hook(self, *, api, ctm, campaign) -> Hook:
        response = api.post(
            "/v1/webhook-endpoints", {"provider": self.slug, "campaign_id": str(campaign.pk)}, format="json"
        )
        assert response.status_code == 201, response.json()
        data = response.json()["data"]
        assert data["urls"]["post_call"] == f"{data['url']}?event=post_call"  # what the company configures
        return Hook(endpoint_id=data["id"], path=path_of(data["url"]), secret=data["signing_secret"])

    def deliver(self, hook: Hook, event: str, body: bytes) -> Delivery:
        signature = callrail_signature(key=hook.secret, body=body)
        path = f"{hook.path}?{urlencode({'event': event})}"
        return Delivery(path=path, body=body, event=event, headers={"HTTP_SIGNATURE": signature})

    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.without("HTTP_SIGNATURE")

    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.with_headers(HTTP_SIGNATURE="¿no es base64?")
