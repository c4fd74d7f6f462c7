"""CallRail's delivery signature: header `Signature` = base64(HMAC-SHA1(company signing key, raw body)).
Pure functions."""

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "Signature"


def signature(body: bytes, signing_key: str) -> str:
    """The `Signature` header CallRail sends for `body` (standard base64 with its padding)."""
    return base64.b64encode(hmac.new(signing_key.encode(), body, hashlib.sha1).digest()).decode()


def signature_valid(body: bytes, header: str, signing_key: str) -> bool:
    """Whether `header` (the `Signature` value) signs `body` with the company's `signing_key`; no key, no match.

    The base64 text itself is compared, not what it decodes to: a decoder ignores the unused low bits
    of the last character, so `...V65=` would decode to the same digest as the real `...V64=`."""
    if not signing_key or not isinstance(header, str):
        return False
    return hmac.compare_digest(signature(body, signing_key).encode(), header.strip().encode())
