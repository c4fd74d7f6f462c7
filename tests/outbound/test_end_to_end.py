"""From a provider's webhook delivery to the agency's receiver: CTM posts a call's end to us, we store
it, and the outbound webhook forwards it, signed; and a person's edit through the API fires its own
triggers. Both go through the seam (`integrations.call_changes`), as every path that writes calls does."""

import pytest
from standardwebhooks.webhooks import Webhook

from integrations.models import Call, WebhookDelivery
from integrations.webhooks.processing import webhook_delivery_process
from outbound.models import OutboundDelivery
from outbound.sending import outbound_deliveries_send
from outbound.services import outbound_webhook_create
from tests.conftest import deliver, endpoint_url, load_fixture

END = load_fixture("ctm", "webhook__end")


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets")
def test_a_ctm_delivery_is_forwarded_to_the_agencys_receiver(client, endpoint, account, receiver):
    created = outbound_webhook_create(
        account=account,
        name="CRM",
        url=receiver.url("/crm") + "?activity_id={{id}}&caller={{caller_number}}",
        trigger="end",
        body_type="mustache",
        body_template='{"caller": "{{payload.name}}", "ctm_id": "{{provider_call_id}}", "src": "{{payload.source}}"}',
        filters={"tracking_source": ["Google Ads"]},
    )
    answer = deliver(client, endpoint_url(endpoint), END)
    assert answer.status_code == 200
    webhook_delivery_process(delivery_id=answer.json()["data"]["delivery_id"])
    assert WebhookDelivery.objects.get().status == "processed"
    call = Call.objects.get()

    (delivery,) = OutboundDelivery.objects.filter(webhook=created.webhook)
    outbound_deliveries_send(webhook_id=created.webhook.pk)

    (request,) = receiver.requests
    assert request.path == f"/crm?activity_id={call.pk}&caller=%2B15551234567"
    body = Webhook(created.signing_secret).verify(request.body, request.headers)
    assert body == {"caller": "Maria Lopez", "ctm_id": str(END["id"]), "src": "Google Ads"}
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.call_id == call.pk


@pytest.mark.django_db
@pytest.mark.usefixtures("private_targets")
def test_a_sale_typed_in_by_a_person_fires_sale_and_manual_update(api, account, receiver):
    from tests.outbound.conftest import make_call

    sale = outbound_webhook_create(account=account, name="Sales", url=receiver.url("/sale"), trigger="sale").webhook
    edits = outbound_webhook_create(
        account=account, name="Edits", url=receiver.url("/edit"), trigger="manual_update"
    ).webhook
    call = make_call(account)

    answer = api.patch(f"/v1/calls/{call.pk}", {"sale_value": "1250.00", "tags": ["won"]}, format="json")
    assert answer.status_code == 200, answer.json()
    outbound_deliveries_send(webhook_id=sale.pk)
    outbound_deliveries_send(webhook_id=edits.pk)

    by_path = {r.path: r.json for r in receiver.requests}
    assert by_path["/sale"]["sale_value"] == "1250.00" and by_path["/edit"]["tags"] == ["won"]
    api.patch(f"/v1/calls/{call.pk}", {"notes": "called back"}, format="json")  # no sale this time
    assert OutboundDelivery.objects.filter(webhook=sale).count() == 1
    assert OutboundDelivery.objects.filter(webhook=edits).count() == 2
