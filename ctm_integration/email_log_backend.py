"""Development email: one log line per message ("email to X: subject") instead of the console backend's
full dump of headers, text and HTML, which buried everything else in `bin/run`'s output."""

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info("email to %s: %s", ", ".join(message.recipients()), message.subject)
        return len(email_messages)
