"""Marketing Edge's delivery signature: `ms-signature: sha256=<hex>`, HMAC-SHA256 over the raw body keyed
with the UTF-8 bytes of the endpoint's shared secret (the ASP.NET WebHooks format). Pure functions."""

import hashlib
import hmac
import re

SIGNATURE_HEADER = "ms-signature"
PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"^[0-9A-Fa-f]{64}$")


def signature(body: bytes, secret: str) -> str:
    """The header value Marketing Edge sends for `body` (lowercase hex, as the ASP.NET sender writes it)."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    """Whether `header` (the `ms-signature` value) signs `body` with `secret`. The hex may be in either case
    (the seed's sample is uppercase); anything but `sha256=` and 64 hex digits is invalid. No secret, no match."""
    if not secret or not isinstance(header, str):
        return False
    value = header.strip()
    if value[: len(PREFIX)].lower() != PREFIX:
        return False
    digest = value[len(PREFIX) :]
    if not _HEX_DIGEST.match(digest):
        return False
    return hmac.compare_digest(signature(body, secret)[len(PREFIX) :], digest.lower())
