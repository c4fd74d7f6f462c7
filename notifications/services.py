"""Recording notifications for the people who want them. Delivery channels build on these rows."""

from typing import Any

from django.contrib.auth.models import AbstractUser

from accounts.models import Account
from accounts.selectors import account_owners
from integrations.call_changes import CallChange
from integrations.events import UNANSWERED_STATUSES
from notifications.dispatch import notification_deliveries_enqueue
from notifications.models import (
    DEFAULT_ENABLED,
    Channel,
    Device,
    Event,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)

OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.PUSH)


def channels_wanted(*, user: AbstractUser, event: Event) -> set[str]:
    """The channels on which `user` wants `event`: their choices, else the event's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user, event=event).values_list("channel", "enabled"))
    default = DEFAULT_ENABLED.get(event, True)
    return {channel for channel in Channel.values if chosen.get(channel, default)}


class Audience:
    """Who wants which event, on which channels: the account's owners and, for a sub-account, the
    parent account's owners. Looked up once per account and event, so a batch of calls shares it."""

    def __init__(self) -> None:
        self._known: dict[tuple[object, str], list[tuple[AbstractUser, set[str]]]] = {}

    def recipients(self, *, account: Account, event: Event) -> list[tuple[AbstractUser, set[str]]]:
        key = (account.pk, event)
        if key not in self._known:
            pairs = [(user, channels_wanted(user=user, event=event)) for user in account_owners(account=account)]
            self._known[key] = [(user, channels) for user, channels in pairs if channels]
        return self._known[key]


def notification_record(
    *, event: Event, account: Account, context: dict[str, Any], audience: Audience | None = None
) -> list[Notification]:
    """One notification per recipient who wants it, and one outbox delivery per outside channel they
    want it on; the deliveries are sent once the transaction commits."""
    payload = {"account_id": str(account.id), "account_name": account.name, **context}
    recipients = (audience or Audience()).recipients(account=account, event=event)
    if not recipients:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(account=account, recipient=user, event=event, context=payload, in_app=Channel.IN_APP in channels)
        for user, channels in recipients
    )
    deliveries = NotificationDelivery.objects.bulk_create(
        NotificationDelivery(notification=notification, channel=channel)
        for notification, (_, channels) in zip(notifications, recipients, strict=True)
        for channel in OUTSIDE_CHANNELS
        if channel in channels
    )
    notification_deliveries_enqueue(delivery_ids=[d.pk for d in deliveries])
    return notifications


def call_change_notify(*, change: CallChange, audience: Audience | None = None) -> list[Notification]:
    """`call_received` when a call first appears; `call_missed` when it ends unanswered. Only for news:
    history (a backfill, an old replay) notifies nobody."""
    if not change.news:
        return []
    call = change.call
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
    if change.created:
        notifications += notification_record(
            event=Event.CALL_RECEIVED, account=call.account, context=context, audience=audience
        )
    if call.status in UNANSWERED_STATUSES and change.previous("status") not in UNANSWERED_STATUSES:
        notifications += notification_record(
            event=Event.CALL_MISSED, account=call.account, context=context, audience=audience
        )
    return notifications


def device_register(*, user: AbstractUser, device_token: str, platform: str) -> Device:
    """A device token (FCM's registration token, `Device.token`) belongs to one device, hence to
    whoever signed in on it last (FCM keeps a device's token across sign-ins). Push picks the
    recipient's devices when it sends, so from now on the previous owner's notifications, those
    already queued included, no longer go to this device."""
    device, _ = Device.objects.update_or_create(token=device_token, defaults={"user": user, "platform": platform})
    return device


def device_remove(*, user: AbstractUser, device_token: str) -> bool:
    deleted, _ = Device.objects.filter(user=user, token=device_token).delete()
    return bool(deleted)
