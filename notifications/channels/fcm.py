"""Push through Firebase Cloud Messaging (HTTP v1) with the official firebase-admin SDK.

Without credentials configured, push is skipped, and the log says so once per process.
"""

import json
import logging

import firebase_admin
import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from firebase_admin import credentials, exceptions, messaging

from notifications.channels.base import NothingToSend, PermanentSendError, TransientSendError
from notifications.messages import render
from notifications.models import Notification

logger = logging.getLogger(__name__)

APP_NAME = "ctm-integration"
TRANSIENT = (
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.ResourceExhaustedError,
    requests.ConnectionError,
    requests.Timeout,
)
_state: dict[str, object] = {"app": None, "warned": False}


def fcm_app() -> firebase_admin.App | None:
    if _state["app"] is not None:
        return _state["app"]
    if settings.FCM_CREDENTIALS_JSON:
        source = json.loads(settings.FCM_CREDENTIALS_JSON)
    elif settings.FCM_CREDENTIALS_FILE:
        source = settings.FCM_CREDENTIALS_FILE
    else:
        if not _state["warned"]:
            logger.warning(
                "FCM credentials are not configured (FCM_CREDENTIALS_FILE / FCM_CREDENTIALS_JSON): "
                "push notifications are skipped"
            )
            _state["warned"] = True
        return None
    _state["app"] = firebase_admin.initialize_app(credentials.Certificate(source), name=APP_NAME)
    return _state["app"]


@receiver(setting_changed)
def _forget_app(*, setting: str, **kwargs) -> None:
    if setting.startswith("FCM_"):
        if _state["app"] is not None:
            firebase_admin.delete_app(_state["app"])
        _state.update(app=None, warned=False)


def send_push(notification: Notification) -> int:
    """Send to every device of the recipient; returns how many accepted it. Devices FCM reports as
    unregistered are removed."""
    app = fcm_app()
    if app is None:
        raise NothingToSend("Push is not configured.")
    devices = list(notification.recipient.devices.all())
    if not devices:
        raise NothingToSend("The recipient has no registered device.")
    title, body = render(notification)
    data = {
        "event": notification.event,
        "notification_id": str(notification.pk),
        "account_id": str(notification.account_id),
    }
    sent, transient, permanent, pruned = 0, [], [], 0
    for device in devices:
        message = messaging.Message(
            token=device.token, notification=messaging.Notification(title=title, body=body), data=data
        )
        try:
            messaging.send(message, app=app)
            sent += 1
        except (messaging.UnregisteredError, messaging.SenderIdMismatchError):
            device.delete()
            pruned += 1
        except TRANSIENT as exc:
            transient.append(exc)
        except exceptions.FirebaseError as exc:
            permanent.append(exc)
    if sent:
        return sent  # some devices have it; trying again would repeat it on those
    if transient:
        raise TransientSendError(f"FCM: {transient[0]}")
    if permanent:
        raise PermanentSendError(f"FCM: {permanent[0]}")
    raise NothingToSend(f"Every device was unregistered ({pruned} removed).")
