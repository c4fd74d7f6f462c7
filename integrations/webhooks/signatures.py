"""Signature and credential checks for inbound webhooks: constant-time, one function per scheme."""

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable


def ctm_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """CTM: base64(HMAC-SHA1(secret, X-CTM-Time + raw body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def ctm_signature_valid(*, secrets: Iterable[str], timestamp: str, body: bytes, signature: str) -> bool:
    """True if any live secret produced `signature` (compared in constant time, whitespace trimmed)."""
    given = signature.strip().encode()
    matched = False
    for secret in secrets:
        expected = ctm_signature(secret=secret, timestamp=timestamp, body=body).encode()
        matched |= hmac.compare_digest(expected, given)  # no early exit: every secret costs the same
    return matched


def timestamp_fresh(*, timestamp: str, tolerance: int, now: float | None = None) -> bool:
    """Epoch seconds within `tolerance` of now (either way). A tolerance of 0 disables the check."""
    if tolerance <= 0:
        return True
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    return abs((now if now is not None else time.time()) - sent) <= tolerance


def basic_auth_matches(*, header: str, username: str, password: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given_user, _, given_password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(given_user.encode(), username.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    return user_ok and password_ok
