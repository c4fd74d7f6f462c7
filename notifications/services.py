"""Recording notifications for the people who want them. Delivery channels build on these rows."""

from typing import Any

from django.contrib.auth.models import AbstractUser

from accounts.models import Account
from accounts.selectors import account_owners
from notifications.models import DEFAULT_ENABLED, Channel, Event, Notification, NotificationPreference


def wants(*, user: AbstractUser, event: Event, channel: Channel = Channel.IN_APP) -> bool:
    choice = NotificationPreference.objects.filter(user=user, event=event, channel=channel).first()
    return choice.enabled if choice is not None else DEFAULT_ENABLED.get(event, True)


class Audience:
    """Who wants which event: the account's owners and, for a sub-account, the parent account's
    owners, filtered by their preferences. Looked up once per account and event, so a batch of
    calls shares one lookup."""

    def __init__(self) -> None:
        self._known: dict[tuple[object, str], list[AbstractUser]] = {}

    def recipients(self, *, account: Account, event: Event) -> list[AbstractUser]:
        key = (account.pk, event)
        if key not in self._known:
            self._known[key] = [u for u in account_owners(account=account) if wants(user=u, event=event)]
        return self._known[key]


def notification_record(
    *, event: Event, account: Account, context: dict[str, Any], audience: Audience | None = None
) -> list[Notification]:
    """One notification per recipient who wants it."""
    payload = {"account_id": str(account.id), "account_name": account.name, **context}
    recipients = (audience or Audience()).recipients(account=account, event=event)
    if not recipients:
        return []
    return Notification.objects.bulk_create(
        Notification(account=account, recipient=owner, event=event, context=payload) for owner in recipients
    )


UNANSWERED = {"missed", "canceled"}


def call_event_notify(*, call, previous_status: str | None, audience: Audience | None = None) -> list[Notification]:
    """`call_received` when a call first appears; `call_missed` when it ends unanswered."""
    context = {
        "call_id": call.provider_call_id,
        "caller_number": call.caller_number,
        "tracking_number": call.tracking_number,
        "source": call.source,
        "status": call.status,
        "campaign": call.campaign.name if call.campaign_id else "",
    }
    audience = audience or Audience()
    notifications = []
    if previous_status is None:
        notifications += notification_record(
            event=Event.CALL_RECEIVED, account=call.account, context=context, audience=audience
        )
    if call.status in UNANSWERED and previous_status not in UNANSWERED:
        notifications += notification_record(
            event=Event.CALL_MISSED, account=call.account, context=context, audience=audience
        )
    return notifications
