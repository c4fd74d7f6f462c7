"""Email through Django's configured backend (SMTP when EMAIL_HOST is set, the console otherwise)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

from notifications.channels.base import NothingToSend, PermanentSendError, TransientSendError
from notifications.messages import INTEGRATION_NAMES, render
from notifications.models import Notification


def send_email(
    notification: Notification, *, connection: BaseEmailBackend | None = None, via_parent: bool | None = None
) -> None:
    """Send one notification by email: over `connection` if given (a batch shares one SMTP session),
    else over a connection of its own. `via_parent`: the recipient owns the account's parent, not the
    account (looked up when not given)."""
    address = notification.recipient.email
    if not address:
        raise NothingToSend("The recipient has no email address.")
    title, body = render(notification)
    integration = notification.context.get("integration", "")
    context = {
        "title": title,
        "body": body,
        "account_name": notification.account.name,
        "integration_name": INTEGRATION_NAMES.get(integration, integration),
        "via_parent": (
            not notification.account.memberships.filter(user=notification.recipient).exists()
            if via_parent is None
            else via_parent
        ),
    }
    message = EmailMultiAlternatives(
        subject=title,
        body=render_to_string("notifications/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
    )
    message.attach_alternative(render_to_string("notifications/email/message.html", context), "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError(f"The mail server refused {address}: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
