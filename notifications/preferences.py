"""Notification preferences: a matrix of event x channel, defaults where the user chose nothing."""

from django.contrib.auth.models import AbstractUser
from django.db import transaction

from notifications.models import DEFAULT_ENABLED, Channel, Event, NotificationPreference


def preference_matrix(*, user: AbstractUser) -> dict[str, dict[str, bool]]:
    chosen = {(p.event, p.channel): p.enabled for p in NotificationPreference.objects.filter(user=user)}
    return {
        event: {channel: chosen.get((event, channel), DEFAULT_ENABLED.get(event, True)) for channel in Channel.values}
        for event in Event.values
    }


@transaction.atomic
def preferences_update(*, user: AbstractUser, changes: list[tuple[str, str, bool]]) -> None:
    for event, channel, enabled in changes:
        NotificationPreference.objects.update_or_create(
            user=user, event=event, channel=channel, defaults={"enabled": enabled}
        )
