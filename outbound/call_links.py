"""Links to one call that work without a JWT, for `resource` bodies: the receiver holds no JWT, so the
link carries a signed token (Django's TimestampSigner, keyed by SECRET_KEY) that reads that one call
for OUTBOUND_CALL_LINK_DAYS (7) days, and nothing else."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "outbound.call-link"


class CallLinkInvalid(Exception):
    """Not a link we signed, or one that expired."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def call_link_token(*, call_id: int) -> str:
    return _signer().sign(str(call_id))


def call_link_call_id(*, token: str) -> int:
    """The call a token is for; raises CallLinkInvalid if it is forged, altered or expired."""
    max_age = timedelta(days=settings.OUTBOUND_CALL_LINK_DAYS)
    try:
        return int(_signer().unsign(token, max_age=max_age))
    except signing.SignatureExpired:
        raise CallLinkInvalid("This link expired.") from None
    except (signing.BadSignature, ValueError):
        raise CallLinkInvalid("Not a valid call link.") from None


def public_base_url() -> str:
    return (settings.PUBLIC_BASE_URL or settings.OUTBOUND_DEFAULT_BASE_URL).rstrip("/")


def call_link_url(*, call_id: int) -> str:
    path = reverse("outbound-call-link", kwargs={"link_token": call_link_token(call_id=call_id)})
    return public_base_url() + path
