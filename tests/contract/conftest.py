"""What the contract tests share: an account whose CTM is connected to the sandbox, with objects to hit."""

from collections import Counter
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Account
from integrations.call_changes import Origin
from integrations.call_services import call_upsert
from integrations.events import CallEvent, CallEventKind, CallStatus
from integrations.models import Call, Campaign
from integrations.webhooks.endpoints import webhook_endpoint_create
from notifications.models import Device, Notification
from outbound.call_links import call_link_token
from outbound.models import OutboundDelivery
from outbound.services import outbound_webhook_create
from tests.conftest import owner_of


@dataclass(frozen=True)
class World:
    """Real objects of one account, so that generated requests with ids reach something."""

    account: Account
    jwt: str
    token_id: str
    ctm_account_id: str
    campaign_id: str
    webhook_id: str
    tracker_id: str
    notification_id: int
    endpoint_id: str
    call_id: int
    device_token: str
    outbound_webhook_id: str
    delivery_id: int
    link_token: str


@pytest.fixture
def world(api, account, sandbox_token, settings) -> World:
    # Outbound webhooks: generated URLs are saved without looking their names up, and the only one ever
    # sent to (POST .../test) is the world's own, a closed local port. No request leaves the machine.
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    auth = api._credentials["HTTP_AUTHORIZATION"]
    configured = api.post(
        "/v1/e/calltrackingmetrics/auth/config", {"token": sandbox_token, "account_id": "25001"}, format="json"
    )
    assert configured.status_code == 200, configured.content
    campaign = Campaign.objects.create(account=account, name="Spring", key_id=sandbox_token, ctm_account_id="25001")
    webhook = api.post(
        f"/v1/e/calltrackingmetrics/{sandbox_token}/webhook",
        {"campaign_id": str(campaign.pk), "calltracking_account_id": "25001"},
        format="json",
    )
    assert webhook.status_code == 201, webhook.content
    owner = owner_of(account)
    device = Device.objects.create(user=owner, token="fcm-device-token-1", platform=Device.Platform.ANDROID)
    notification = Notification.objects.filter(recipient=owner).first() or Notification.objects.create(
        account=account, recipient=owner, event="project_added", context={}, in_app=True
    )
    custom = webhook_endpoint_create(
        account=account, provider="custom", field_map={"started_at": "created", "caller_number": "from"}
    ).endpoint
    call = Call.objects.create(
        account=account,
        provider="calltrackingmetrics",
        provider_call_id="contract-1",
        provider_account_id="25001",
        started_at=timezone.now(),
        status="answered",
    )
    # A call of the campaign through the call store (its metrics too): its reports have figures.
    reported = CallEvent(
        provider="calltracker",
        provider_call_id="contract-2",
        provider_account_id="",
        kind=CallEventKind.COMPLETED,
        started_at=timezone.now(),
        status=CallStatus.ANSWERED,
        source="Google Ads",
        duration=60,
    )
    call_upsert(origin=Origin.DELIVERY, account=account, event=reported, fallback_campaign=campaign)
    outbound = outbound_webhook_create(
        account=account, name="CRM", url="http://127.0.0.1:9/hook?id={{id}}", trigger="end"
    ).webhook
    delivery = OutboundDelivery.objects.create(webhook=outbound, trigger="end", call=call, status="failed")
    return World(
        account=account,
        jwt=auth.removeprefix("Bearer "),
        token_id=sandbox_token,
        ctm_account_id="25001",
        campaign_id=str(campaign.pk),
        webhook_id=webhook.json()["data"]["webhook_id"],
        tracker_id="2500101",
        notification_id=notification.pk,
        endpoint_id=str(custom.pk),
        call_id=call.pk,
        device_token=device.token,
        outbound_webhook_id=str(outbound.pk),
        delivery_id=delivery.pk,
        link_token=call_link_token(call_id=call.pk),
    )


REQUESTS: Counter[str] = Counter()  # requests the contract test made, per operation


def pytest_terminal_summary(terminalreporter) -> None:
    if REQUESTS:
        terminalreporter.write_line(
            f"OpenAPI contract: {sum(REQUESTS.values())} requests to {len(REQUESTS)} operations "
            f"(max {REQUESTS.most_common(1)[0][1]} for one operation)"
        )
