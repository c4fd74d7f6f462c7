"""Staff: deliveries (read-only, redacted), endpoints, signing secrets, replay from admin and command."""

from io import StringIO

import pytest
from django.core.management import call_command

from integrations.models import Call, SigningSecret, WebhookDelivery
from integrations.webhooks.processing import webhook_delivery_process
from tests.conftest import WEBHOOK_LOGIN, WEBHOOK_SECRET, deliver, endpoint_url, load_fixture
from tests.webhook_helpers import encode

pytestmark = pytest.mark.django_db

END = load_fixture("ctm", "webhook__end")


def failed_delivery(client, endpoint) -> WebhookDelivery:
    delivery_id = deliver(client, endpoint_url(endpoint), END).json()["data"]["delivery_id"]
    WebhookDelivery.objects.filter(pk=delivery_id).update(body=b"{ broken")
    webhook_delivery_process(delivery_id=delivery_id)
    WebhookDelivery.objects.filter(pk=delivery_id).update(body=encode(END))
    return WebhookDelivery.objects.get(pk=delivery_id)


def test_delivery_pages_redact_credentials_and_signatures(admin_client, client, endpoint):
    delivery_id = deliver(client, endpoint_url(endpoint), END).json()["data"]["delivery_id"]
    webhook_delivery_process(delivery_id=delivery_id)
    signature = WebhookDelivery.objects.get(pk=delivery_id).headers["X-Ctm-Signature"]

    page = admin_client.get(f"/admin/integrations/webhookdelivery/{delivery_id}/change/").content.decode()
    listing = admin_client.get("/admin/integrations/webhookdelivery/?status=processed").content.decode()

    assert "X-Ctm-Signature: [REDACTED]" in page and signature not in page
    assert WEBHOOK_LOGIN[1] not in page and WEBHOOK_SECRET not in page
    assert "9001234 (answered)" in page  # the resulting call
    assert f">{delivery_id}<" in listing


def test_a_rejected_deliverys_page_says_that_only_an_excerpt_was_kept(admin_client, client, endpoint):
    body = encode({**END, "padding": "x" * 10_000})
    deliver(client, endpoint_url(endpoint), body, secret="wrong")
    delivery = WebhookDelivery.objects.get()

    page = admin_client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/").content.decode()

    assert f"only the first 4096 of {len(body)} bytes were kept" in page
    assert delivery.body_sha256 in page


def test_endpoint_pages_show_ctm_ids_and_last_delivery_but_not_the_login(admin_client, client, endpoint):
    endpoint.provider_webhook_ids = {"call.completed": "4711"}
    endpoint.save()
    deliver(client, endpoint_url(endpoint), END)

    listing = admin_client.get("/admin/integrations/webhookendpoint/").content.decode()
    page = admin_client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/").content.decode()

    assert "call.completed: 4711" in listing
    assert WEBHOOK_LOGIN[0] not in page and WEBHOOK_LOGIN[1] not in page


def test_replay_from_the_admin(admin_client, client, endpoint):
    delivery = failed_delivery(client, endpoint)
    assert delivery.status == "failed"

    admin_client.post("/admin/integrations/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]})

    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"
    assert webhook_delivery_process(delivery_id=delivery.pk).status == "processed"
    assert Call.objects.count() == 1


def test_replay_webhooks_command_requeues_failed_deliveries(client, endpoint):
    delivery = failed_delivery(client, endpoint)
    deliver(client, endpoint_url(endpoint), END, secret="wrong")  # invalid: never replayed
    out = StringIO()

    call_command("replay_webhooks", stdout=out)

    assert "Queued 1 deliveries" in out.getvalue()
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"
    out = StringIO()
    call_command("replay_webhooks", str(WebhookDelivery.objects.get(status="invalid").pk), stdout=out)
    assert "Queued 0 deliveries; 1 invalid" in out.getvalue()


def test_signing_secrets_are_entered_but_never_shown(admin_client):
    response = admin_client.post(
        "/admin/integrations/signingsecret/add/",
        {
            "provider": "calltrackingmetrics",
            "provider_account_id": "25002",
            "secret": "sub-account-secret-1",
            "previous_secret": "",
        },
    )
    assert response.status_code == 302
    secret = SigningSecret.objects.get()
    assert secret.secret == "sub-account-secret-1"

    page = admin_client.get(f"/admin/integrations/signingsecret/{secret.pk}/change/").content.decode()
    assert "sub-account-secret-1" not in page
    # saving without retyping keeps the secret; typing a new one rotates
    admin_client.post(
        f"/admin/integrations/signingsecret/{secret.pk}/change/",
        {"provider": "calltrackingmetrics", "provider_account_id": "25002", "secret": "", "previous_secret": ""},
    )
    assert SigningSecret.objects.get().secret == "sub-account-secret-1"
