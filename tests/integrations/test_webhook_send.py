"""manage.py webhook_send: a provider's sample delivery, signed as the provider signs it, over real
HTTP to the service under gunicorn, accepted by the real receivers."""

import pytest
from django.core.management import CommandError, call_command

from integrations.models import WebhookDelivery
from integrations.webhooks.endpoints import webhook_endpoint_create
from tests.conftest import WEBHOOK_LOGIN, WEBHOOK_SECRET, endpoint_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_samples_of_every_provider_are_accepted_by_their_receivers(gunicorn_server, account, endpoint):
    base = gunicorn_server()
    marketingedge = webhook_endpoint_create(account=account, provider="marketingedge")
    custom = webhook_endpoint_create(
        account=account,
        provider="custom",
        field_map={
            "started_at": "created",
            "caller_number": "contact.primary_phone",
            "duration": "call.length_seconds",
        },
    )
    custom_leads = webhook_endpoint_create(
        account=account,
        provider="custom",
        field_map={"submitted_at": "submitted", "email": "contact.email", "form_name": "form.title"},
    )
    calltracker = webhook_endpoint_create(account=account, provider="calltracker")
    callrail = webhook_endpoint_create(account=account, provider="callrail")
    sends = [
        ("marketingedge", "CallDetails.CallProcessed", marketingedge, []),
        ("custom", "call", custom, []),
        ("custom", "lead", custom_leads, []),
        ("calltracker", "call.received", calltracker, ["--token", calltracker.revealed.get("credential", "")]),
        ("callrail", "post_call", callrail, []),
        ("calltrackingmetrics", "call.completed", None, ["--login", ":".join(WEBHOOK_LOGIN)]),
    ]
    for provider, event, created, extra in sends:
        if created is None:
            url, secret = f"{base}{endpoint_url(endpoint)}", WEBHOOK_SECRET
        else:
            url = f"{base}/v1/e/{provider}/webhook/{created.endpoint.pk}/"
            secret = created.revealed.get("signing_secret", "")
        call_command("webhook_send", provider, event, "--to", url, "--secret", secret, *extra)

    assert sorted(WebhookDelivery.objects.filter(valid=True).values_list("provider", flat=True)) == [
        "callrail",
        "calltracker",
        "calltrackingmetrics",
        "custom",
        "custom",
        "marketingedge",
    ]
    assert sorted(WebhookDelivery.objects.filter(provider="custom").values_list("event", flat=True)) == ["call", "lead"]


def test_a_wrong_secret_is_reported(gunicorn_server, account):
    base = gunicorn_server()
    created = webhook_endpoint_create(account=account, provider="marketingedge")
    url = f"{base}/v1/e/marketingedge/webhook/{created.endpoint.pk}/"

    with pytest.raises(CommandError, match="answered 401"):
        call_command("webhook_send", "marketingedge", "CallDetails.CallProcessed", "--to", url, "--secret", "nope")
