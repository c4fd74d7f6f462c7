"""How each provider signs a delivery, written here from the providers' documented formats, never with
the product's code (a test signed by the code under test would pass whatever that code computes).
`test_signers.py` pins every one of them to a published vector or an answer computed with OpenSSL."""

import base64
import hashlib
import hmac

from tests.webhook_helpers import ctm_sign

__all__ = ["callrail_signature", "ctm_sign", "ms_signature", "standard_webhooks_signature"]


def ms_signature(*, secret: str, body: bytes) -> str:
    """Marketing Edge (ASP.NET WebHooks): `sha256=` + hex of HMAC-SHA256(secret, raw body)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def callrail_signature(*, key: str, body: bytes) -> str:
    """CallRail: base64 of HMAC-SHA1(company signing key, raw body)."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha1).digest()).decode()


def standard_webhooks_signature(*, secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """Standard Webhooks v1: base64 of HMAC-SHA256(base64-decoded `whsec_` secret, "id.timestamp.body").
    Over the raw bytes, so it can sign any body a sender could post (the reference library takes text)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
