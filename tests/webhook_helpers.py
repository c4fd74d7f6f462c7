"""Building CTM deliveries the way CTM sends them: raw JSON, X-CTM-Time, X-CTM-Signature, Basic auth."""

import base64
import json
import time

from integrations.webhooks.signatures import ctm_signature


def ctm_headers(
    body: bytes, *, secret: str | None, timestamp: int | None = None, username: str = "", password: str = ""
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if secret is not None:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers["HTTP_X_CTM_TIME"] = ts
        headers["HTTP_X_CTM_SIGNATURE"] = ctm_signature(secret=secret, timestamp=ts, body=body)
    if username:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    return headers


def encode(payload: dict) -> bytes:
    return json.dumps(payload).encode()
