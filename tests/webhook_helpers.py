"""Building CTM deliveries the way CTM sends them: raw JSON, X-CTM-Time, X-CTM-Signature, Basic auth.

The signature is computed here, not with the product's `ctm_signature`: a test signed by the code
under test would pass whatever that code computes. This signer is pinned to values computed with
openssl in tests/integrations/test_webhook_signatures.py."""

import base64
import hashlib
import hmac
import json
import time


def ctm_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """What CTM puts in X-CTM-Signature: base64(HMAC-SHA1(secret, X-CTM-Time + raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha1).digest()).decode()


def ctm_headers(
    body: bytes, *, secret: str | None, timestamp: int | None = None, username: str = "", password: str = ""
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if secret is not None:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers["HTTP_X_CTM_TIME"] = ts
        headers["HTTP_X_CTM_SIGNATURE"] = ctm_sign(secret=secret, timestamp=ts, body=body)
    if username:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    return headers


def encode(payload: dict) -> bytes:
    return json.dumps(payload).encode()
