import asyncio
import json
import threading

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class Inbox:
    """An SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.hold: threading.Event | None = None  # if set to an event, each message waits for it before 250

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        if self.hold is not None:  # a slow server: the sender stays in the middle of sending
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 30)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    import socket

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "CTM integration <alerts@agency.example>"
    yield inbox
    controller.stop()


FCM_PROJECT = "ctm-integration-test"


@pytest.fixture
def fcm_credentials(settings) -> dict:
    """A real (throwaway) service-account key, so that google-auth signs a real token request."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    account = {
        "type": "service_account",
        "project_id": FCM_PROJECT,
        "private_key_id": "test-key-1",
        "private_key": pem,
        "client_email": f"push@{FCM_PROJECT}.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    settings.FCM_CREDENTIALS_JSON = json.dumps(account)
    return account
