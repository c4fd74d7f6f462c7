"""Telling people when an endpoint's deliveries keep failing (wrong secret, a bug, a changed payload)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookEndpoint
from notifications.models import Event, Notification
from notifications.services import notification_record

WINDOW = timedelta(hours=1)
QUIET = timedelta(hours=24)  # at most one such notification per endpoint a day
FAILURES = (WebhookDelivery.Status.FAILED, WebhookDelivery.Status.INVALID)


def webhook_failing_check(*, endpoint_id, threshold: int | None = None, window: timedelta | None = None) -> bool:
    """After a failed or rejected delivery: notify once if the endpoint crossed the threshold
    (WEBHOOK_FAILING_THRESHOLD failures within an hour, unless the receiver of a provider that gives up
    on an endpoint sooner asks for its own)."""
    if endpoint_id is None:
        return False
    now = timezone.now()
    failures = WebhookDelivery.objects.filter(
        endpoint_id=endpoint_id, received_at__gte=now - (window or WINDOW), status__in=FAILURES
    ).count()
    if failures < (threshold or settings.WEBHOOK_FAILING_THRESHOLD):
        return False
    endpoint = WebhookEndpoint.objects.select_related("account", "campaign").filter(pk=endpoint_id).first()
    if endpoint is None:
        return False
    if Notification.objects.filter(
        account=endpoint.account,
        event=Event.WEBHOOK_FAILING,
        context__endpoint_id=str(endpoint.pk),
        created_at__gte=now - QUIET,
    ).exists():
        return False
    notification_record(
        event=Event.WEBHOOK_FAILING,
        account=endpoint.account,
        context={
            "integration": endpoint.provider,
            "endpoint_id": str(endpoint.pk),
            "campaign": endpoint.campaign.name if endpoint.campaign else "",
            "failures": failures,
        },
    )
    return True
