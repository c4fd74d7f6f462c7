"""Recording notifications for the people who want them. Delivery channels build on these rows."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractUser

from accounts.models import Account
from accounts.selectors import accounts_owners
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
    parent account's owners. `load` looks up many accounts and events at once (two queries: the
    owners, their choices), so a batch of calls of a thousand accounts shares them."""

    def __init__(self) -> None:
        self._known: dict[tuple[object, str], list[tuple[AbstractUser, set[str]]]] = {}

    def load(self, *, wanted: Iterable[tuple[Account, str]]) -> None:
        missing = {(account.pk, event): account for account, event in wanted if (account.pk, event) not in self._known}
        if not missing:
            return
        owners = accounts_owners(accounts={account.pk: account for account in missing.values()}.values())
        users = {user.pk for people in owners.values() for user in people}
        chosen = {
            (user_id, event, channel): enabled
            for user_id, event, channel, enabled in NotificationPreference.objects.filter(
                user_id__in=users, event__in={event for _, event in missing}
            ).values_list("user_id", "event", "channel", "enabled")
        }
        for account_id, event in missing:
            default = DEFAULT_ENABLED.get(event, True)
            pairs = [
                (user, {c for c in Channel.values if chosen.get((user.pk, event, c), default)})
                for user in owners[account_id]
            ]
            self._known[(account_id, event)] = [(user, channels) for user, channels in pairs if channels]

    def recipients(self, *, account: Account, event: str) -> list[tuple[AbstractUser, set[str]]]:
        self.load(wanted=[(account, event)])
        return self._known[(account.pk, event)]


def notification_record(
    *, event: Event, account: Account, context: dict[str, Any], audience: Audience | None = None
) -> list[Notification]:
    """One notification per recipient who wants it, and one outbox delivery per outside channel they
    want it on; the deliveries are sent once the transaction commits."""
    return notifications_record(wanted=[(event, account, context)], audience=audience)


def notifications_record(
    *, wanted: list[tuple[str, Account, dict[str, Any]]], audience: Audience | None = None
) -> list[Notification]:
    """`notification_record` for many (event, account, context) at once: the audience looked up
    together, the notifications written with one INSERT and their outbox deliveries with another."""
    audience = audience or Audience()
    audience.load(wanted=[(account, event) for event, account, _ in wanted])
    rows: list[tuple[Notification, set[str]]] = []
    for event, account, context in wanted:
        payload = {"account_id": str(account.id), "account_name": account.name, **context}
        for user, channels in audience.recipients(account=account, event=event):
            notification = Notification(
                account=account, recipient=user, event=event, context=payload, in_app=Channel.IN_APP in channels
            )
            rows.append((notification, channels))
    if not rows:
        return []
    notifications = Notification.objects.bulk_create(notification for notification, _ in rows)
    deliveries = NotificationDelivery.objects.bulk_create(
        NotificationDelivery(notification=notification, channel=channel)
        for notification, (_, channels) in zip(notifications, rows, strict=True)
        for channel in OUTSIDE_CHANNELS
        if channel in channels
    )
    notification_deliveries_enqueue(delivery_ids=[d.pk for d in deliveries])
    return notifications


def call_change_events(change: CallChange) -> list[tuple[str, Account, dict[str, Any]]]:
    """What a call's change notifies, as (event, account, context): `call_received` when a call first
    appears; `call_missed` when it ends unanswered. Only for news: history (a backfill, an old
    replay) notifies nobody."""
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
    wanted = []
    if change.created:
        wanted.append((Event.CALL_RECEIVED, call.account, context))
    if call.status in UNANSWERED_STATUSES and change.previous("status") not in UNANSWERED_STATUSES:
        wanted.append((Event.CALL_MISSED, call.account, context))
    return wanted


def call_change_notify(*, change: CallChange, audience: Audience | None = None) -> list[Notification]:
    """The notifications of one call's change (`call_change_events`)."""
    return notifications_record(wanted=call_change_events(change), audience=audience)


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
