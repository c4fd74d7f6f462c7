"""CallTrackingMetrics: an endpoint registered at CTM for a campaign (CTM intercepted at the HTTP boundary),
deliveries signed with the key's API secret (`X-CTM-Time`, `X-CTM-Signature`) and carrying the Basic-auth
login we gave CTM when registering; the event is the URL's `?event=`, CTM's body being the call itself."""

import base64
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import responses

from tests.conftest import WEBHOOK_SECRET, ctm_url, load_fixture
from tests.webhook_cases.base import Delivery, Hook, Sample, WebhookAdapter, path_of
from tests.webhook_cases.signers import ctm_sign

CTM_ACCOUNT = "25001"
END = load_fixture("ctm", "webhook__end")
START = load_fixture("ctm", "webhook__start")
# A text message activity (CTM's `msg_inbound`), at a URL naming an event we do not register for.
TEXT = {
    "id": 9001301,
    "account_id": 25001,
    "direction": "msg_inbound",
    "message_id": "SM5e0f7d2c9b8a4e3f",
    "message_body": "Do you have any openings on Saturday?",
    "unix_time": 1795300500,
    "tracking_number": "+15559876543",
    "caller_number": "+15551234567",
}


class CtmAdapter(WebhookAdapter):
    slug = "calltrackingmetrics"
    final = Sample("call.completed", END)
    partial = Sample("call.received", START)
    expected_call = {
        "provider": "calltrackingmetrics",
        "provider_call_id": "9001234",
        "provider_account_id": CTM_ACCOUNT,
        "status": "answered",
        "started_at": datetime.fromtimestamp(1795300000, tz=UTC),
        "duration": 187,
        "talk_time": 164,
        "caller_number": "+15551234567",
        "tracking_number": "+15559876543",
        "recording_url": END["audio"],
        "completed": True,
    }
    unknown = Sample("text.received", TEXT)

    def create_hook(self, *, api, ctm, campaign) -> Hook:
        ctm.add(responses.POST, ctm_url(f"/accounts/{CTM_ACCOUNT}/webhooks.json"), json={"webhook": {"id": 7001}})
        response = api.post(
            f"/v1/e/calltrackingmetrics/{campaign.key_id}/webhook",
            {
                "campaign_id": str(campaign.pk),
                "calltracking_account_id": CTM_ACCOUNT,
                "events": ["call.received", "call.completed"],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        registered = json.loads(ctm.calls[-1].request.body)  # what CTM was told: it sends this login back
        return Hook(
            endpoint_id=response.json()["data"]["webhook_id"],
            path=path_of(response.json()["data"]["url"]),
            secret=WEBHOOK_SECRET,  # the key's API secret signs its accounts' deliveries
            login=(registered["username"], registered["password"]),
        )

    def deliver(self, hook: Hook, event: str, body: bytes) -> Delivery:
        timestamp = str(int(time.time()))
        login = base64.b64encode(":".join(hook.login).encode()).decode()
        return Delivery(
            path=f"{hook.path}?{urlencode({'event': event})}" if event else hook.path,
            body=body,
            event=event,
            headers={
                "HTTP_X_CTM_TIME": timestamp,
                "HTTP_X_CTM_SIGNATURE": ctm_sign(secret=hook.secret, timestamp=timestamp, body=body),
                "HTTP_AUTHORIZATION": f"Basic {login}",
            },
        )

    def unsigned(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.without("HTTP_X_CTM_SIGNATURE", "HTTP_X_CTM_TIME")

    def garbled(self, hook: Hook, delivery: Delivery) -> Delivery:
        return delivery.with_headers(HTTP_X_CTM_SIGNATURE="%%not base64 at all%%")
