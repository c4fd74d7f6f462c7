"""Staff in the admin: webhooks with their delivery log, credentials never shown, and the test,
reactivate and rerun actions (each a service)."""

import pytest

from outbound.models import OutboundDelivery, OutboundWebhook
from outbound.sending import outbound_deliveries_send
from outbound.services import outbound_webhook_create
from tests.outbound.conftest import make_call, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]


def form(account, receiver, **overrides) -> dict:
    return {
        "account": str(account.pk),
        "name": "CRM",
        "description": "",
        "active": "on",
        "url": receiver.url(),
        "method": "POST",
        "trigger": "end",
        "keywords": "[]",
        "body_type": "log",
        "body_template": "",
        "content_type": "application/json",
        "filters": "{}",
        "auth_type": "basic",
        "auth_username": "crm-user",
        "auth_password": "admin-typed-password",
        "auth_header_name": "",
        "auth_header_value": "",
        **overrides,
    }


def test_staff_create_a_webhook_its_secret_shown_once_and_credentials_never(admin_client, account, receiver):
    response = admin_client.post("/admin/outbound/outboundwebhook/add/", form(account, receiver), follow=True)
    assert response.status_code == 200, response.content.decode()[:3000]
    webhook = OutboundWebhook.objects.get()
    assert webhook.signing_secret.startswith("whsec_") and webhook.signing_secret in response.content.decode()
    assert (webhook.auth_username, webhook.auth_password) == ("crm-user", "admin-typed-password")

    page = admin_client.get(f"/admin/outbound/outboundwebhook/{webhook.pk}/change/").content.decode()
    assert "admin-typed-password" not in page and "crm-user" not in page and webhook.signing_secret not in page

    # saved again without retyping the credentials: they are kept
    response = admin_client.post(
        f"/admin/outbound/outboundwebhook/{webhook.pk}/change/",
        form(account, receiver, name="CRM 2", auth_username="", auth_password=""),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    webhook.refresh_from_db()
    assert (webhook.name, webhook.auth_password) == ("CRM 2", "admin-typed-password")


def test_the_admin_applies_the_apis_rules_and_the_ssrf_guard(admin_client, account, receiver, settings):
    response = admin_client.post(
        "/admin/outbound/outboundwebhook/add/",
        form(account, receiver, body_type="mustache", body_template="{{#x}}", method="GET"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Only pixel webhooks may use GET." in page and "does not parse" in page
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post("/admin/outbound/outboundwebhook/add/", form(account, receiver))
    assert response.status_code == 200 and "public ones" in response.content.decode()
    assert not OutboundWebhook.objects.exists()


def test_the_delivery_log_and_the_actions(admin_client, account, receiver):
    webhook = outbound_webhook_create(account=account, name="CRM", url=receiver.url(), trigger="end").webhook
    publish(make_call(account, completed=True))
    receiver.answer(410)
    outbound_deliveries_send(webhook_id=webhook.pk)
    delivery = OutboundDelivery.objects.get()

    page = admin_client.get(f"/admin/outbound/outboundwebhook/{webhook.pk}/change/").content.decode()
    assert f"/admin/outbound/outbounddelivery/{delivery.pk}/change/" in page and "failed" in page
    attempts = admin_client.get(f"/admin/outbound/outbounddelivery/{delivery.pk}/change/").content.decode()
    assert "410" in attempts

    changelist = "/admin/outbound/outboundwebhook/"
    response = admin_client.post(
        changelist, {"action": "reactivate_and_rerun", "_selected_action": [webhook.pk]}, follow=True
    )
    assert "1 delivery(ies) rerun" in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.status == "active"
    outbound_deliveries_send(webhook_id=webhook.pk)
    assert OutboundDelivery.objects.get().status == "delivered"

    response = admin_client.post(
        "/admin/outbound/outbounddelivery/", {"action": "rerun", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "1 delivery(ies) queued again" in response.content.decode()
    assert OutboundDelivery.objects.get().status == "pending"

    response = admin_client.post(changelist, {"action": "send_test", "_selected_action": [webhook.pk]}, follow=True)
    assert "CRM: HTTP 200" in response.content.decode()
    assert len(receiver.requests) == 3
