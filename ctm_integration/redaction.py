"""Which headers carry credentials, and how they are hidden: one definition for what the webhook
inbox stores, what the admin shows and what the logs print."""

from collections.abc import Mapping

REDACTED = "[REDACTED]"

# Headers whose value is a scheme and a credential ("Basic ...", "Bearer ...").
AUTHORIZATION_HEADERS = frozenset({"authorization", "proxy-authorization"})
# Headers that carry a credential: never stored, shown or logged.
CREDENTIAL_HEADERS = AUTHORIZATION_HEADERS | {"cookie"}
# Signatures over a delivery's body. Not secrets, so a stored delivery keeps them (to check it again
# by hand), but people are not shown them: with the body, a signature is a delivery anyone can resend.
SIGNATURE_HEADERS = frozenset({"x-ctm-signature", "signature", "ms-signature", "webhook-signature"})
# What a person sees redacted (the admin's view of a delivery).
HIDDEN_HEADERS = CREDENTIAL_HEADERS | SIGNATURE_HEADERS


def redact_headers(headers: Mapping[str, str], *, hidden: frozenset[str] = CREDENTIAL_HEADERS) -> dict[str, str]:
    """`headers` with the value of every header named in `hidden` (any case) replaced by REDACTED."""
    return {name: REDACTED if name.lower() in hidden else value for name, value in headers.items()}


# Query parameters that carry a credential (an endpoint's `?token=`): never stored, shown or logged.
CREDENTIAL_QUERY_PARAMS = frozenset({"token"})


def redact_query(query_string: str, *, hidden: frozenset[str] = CREDENTIAL_QUERY_PARAMS) -> str:
    """A raw query string with the value of every parameter named in `hidden` (any case) replaced."""
    parts = []
    for part in query_string.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and name.lower() in hidden else part)
    return "&".join(parts)


# What a person sees in place of a stored secret (the admin's credential pages): whether it is set, never it.
SECRET_SET = "•••••••• (set)"  # noqa: S105 (not a password: the mask)


def secret_shown(value: str) -> str:
    return SECRET_SET if value else "—"
