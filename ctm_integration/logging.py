"""A logging filter that keeps credentials out of every log line, whoever writes it."""

import logging
import re

from ctm_integration.redaction import AUTHORIZATION_HEADERS, REDACTED

_HEADER_NAMES = "|".join(re.escape(name) for name in sorted(AUTHORIZATION_HEADERS, key=len, reverse=True))
_PATTERNS = [
    # Authorization headers (Basic / Bearer) wherever they are printed.
    (
        re.compile(rf"((?:{_HEADER_NAMES})['\"]?\s*[:=]\s*['\"]?)(Basic|Bearer)\s+[A-Za-z0-9+/=._-]+", re.I),
        rf"\1\2 {REDACTED}",
    ),
    # Query-string and form credentials (auth_token=..., password=..., secret=...).
    (re.compile(r"\b(auth_token|password|secret|access_key|token)=([^&\s'\"]+)", re.I), rf"\1={REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
