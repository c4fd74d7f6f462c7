"""What proves a request is ours (Standard Webhooks signatures) and what the receiver asked us to
send (its Basic login or API-key header). Secrets come decrypted from the webhook and go nowhere else."""

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from outbound.triggers import AuthType

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def signing_secret_new() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(delivery_id: int) -> str:
    """`webhook-id`: the same for every attempt of a delivery, so receivers can drop repeats."""
    return f"msg_{delivery_id}"


def signature_headers(*, secret: str, msg_id: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 of id.timestamp.body)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, moment, body.decode("utf-8")),
    }


def auth_headers(webhook) -> dict[str, str]:
    """The receiver's own credential: Basic, or its API-key header."""
    if webhook.auth_type == AuthType.BASIC:
        login = f"{webhook.auth_username}:{webhook.auth_password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(login).decode()}
    if webhook.auth_type == AuthType.HEADER and webhook.auth_header_name:
        return {webhook.auth_header_name: webhook.auth_header_value}
    return {}
