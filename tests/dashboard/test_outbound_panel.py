"""The dashboard's outbound panel: deactivated webhooks, and deliveries failing or waiting to retry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outbound.models import OutboundDelivery, OutboundWebhook
from outbound.services import outbound_webhook_create

pytestmark = pytest.mark.django_db
Status = OutboundDelivery.Status


def webhook(account, name: str) -> OutboundWebhook:
    return outbound_webhook_create(account=account, name=name, url="https://crm.example/hook", trigger="end").webhook


def deliver(hook: OutboundWebhook, status: str, n: int = 1, finished_ago: timedelta | None = None) -> None:
    finished = timezone.now() - finished_ago if finished_ago is not None else None
    OutboundDelivery.objects.bulk_create(
        OutboundDelivery(webhook=hook, trigger="end", status=status, finished_at=finished) for _ in range(n)
    )


def outbound_panel(response) -> list:
    panels = {rendered.panel.key: rendered.data for rendered in response.context["dashboard"]["panels"]}
    return panels["webhooks-outbound"]["webhooks"]


def test_deactivated_and_failing_webhooks_are_shown_with_their_counts_the_healthy_are_not(admin_client, account):
    healthy, retrying, deactivated = webhook(account, "Healthy"), webhook(account, "Slow CRM"), webhook(account, "Gone")
    deliver(healthy, Status.DELIVERED, 5)
    deliver(healthy, Status.FAILED, finished_ago=timedelta(days=9))  # too old to matter now
    deliver(retrying, Status.RETRYING, 3)
    deliver(retrying, Status.FAILED, 2, finished_ago=timedelta(hours=2))
    OutboundWebhook.objects.filter(pk=deactivated.pk).update(
        status=OutboundWebhook.Status.DEACTIVATED, last_failure="410 Gone", last_failure_at=timezone.now()
    )

    response = admin_client.get("/admin/")

    rows = outbound_panel(response)
    assert [(r.webhook.name, r.retrying, r.failed) for r in rows] == [("Gone", 0, 0), ("Slow CRM", 3, 2)]
    page = response.content.decode()
    assert "410 Gone" in page and "deactivated" in page and "Healthy" not in page


def test_nothing_to_report_says_so(admin_client, account):
    deliver(webhook(account, "Healthy"), Status.DELIVERED)

    response = admin_client.get("/admin/")

    assert outbound_panel(response) == []
    assert "No outbound webhook is deactivated, failing or waiting to retry." in response.content.decode()


def test_the_account_filter_keeps_other_accounts_webhooks_out(admin_client, account, make_account):
    other = make_account("Other")
    deliver(webhook(other, "Theirs"), Status.RETRYING)
    deliver(webhook(account, "Ours"), Status.RETRYING)

    rows = outbound_panel(admin_client.get("/admin/", {"account": str(account.pk)}))

    assert [r.webhook.name for r in rows] == ["Ours"]
