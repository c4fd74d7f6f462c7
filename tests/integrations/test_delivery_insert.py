"""The receiver's INSERT (written once per process, not compiled per delivery) stores exactly the row
the ORM's own `create()` stores, column for column."""

from datetime import UTC, datetime

import pytest

from integrations.models import WebhookDelivery
from integrations.webhooks.delivery_insert import delivery_insert

pytestmark = pytest.mark.django_db


def every_column(endpoint) -> dict:
    return {
        "provider": "calltrackingmetrics",
        "endpoint": endpoint,
        "account": endpoint.account,
        "received_at": datetime(2026, 11, 23, 8, 0, 1, 250000, tzinfo=UTC),
        "remote_ip": "2001:db8::7",
        "path": "/v1/e/calltrackingmetrics/webhook/x/",
        "query_string": "event=call.completed",
        "headers": {"Content-Type": "application/json", "X-Name": "Zoë \u2603", "Authorization": "[REDACTED]"},
        "body": b'{"id": 1, "name": "Zo\xc3\xab"}\x00\xff',
        "body_size": 31,
        "body_sha256": "ab" * 32,
        "valid": True,
        "error_code": "SOME_CODE",
        "event": "call.completed",
        "dedupe_key": "cd" * 32,
        "status": WebhookDelivery.Status.PENDING,
        "attempts": 2,
        "last_error": "a message",
        "traceback": "Traceback ...",
    }


def stored(pk: int) -> dict:
    """Every column of the row as read back, but its id."""
    delivery = WebhookDelivery.objects.get(pk=pk)
    row = {f.attname: getattr(delivery, f.attname) for f in WebhookDelivery._meta.concrete_fields if not f.primary_key}
    row["body"] = bytes(row["body"])
    return row


def test_it_stores_the_row_the_orm_stores(endpoint):
    inserted = delivery_insert(WebhookDelivery(**every_column(endpoint)))
    created = WebhookDelivery.objects.create(**every_column(endpoint))

    assert inserted.pk and inserted.pk != created.pk
    assert stored(inserted.pk) == stored(created.pk)
    assert stored(inserted.pk)["headers"]["X-Name"] == "Zoë \u2603"


def test_the_defaults_are_the_models_defaults(endpoint):
    """A delivery given only what a rejected one has: every other column as the model's defaults say."""
    minimal = {"provider": "calltracker", "path": "/v1/e/calltracker/webhook/y/", "body": b"{}", "status": "invalid"}

    inserted = delivery_insert(WebhookDelivery(**minimal))
    created = WebhookDelivery.objects.create(**minimal)

    assert {k: v for k, v in stored(inserted.pk).items() if k != "received_at"} == {
        k: v for k, v in stored(created.pk).items() if k != "received_at"
    }
    assert inserted.received_at is not None and inserted._state.adding is False
