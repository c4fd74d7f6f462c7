import io
import logging

from ctm_integration.logging import redact
from ctm_integration.redaction import CREDENTIAL_HEADERS, HIDDEN_HEADERS, redact_headers


def project_console_handler() -> logging.StreamHandler:
    """The handler settings.LOGGING installs on the root logger (not pytest's capture handlers)."""
    return next(
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and any(type(f).__name__ == "RedactSecretsFilter" for f in h.filters)
    )


def test_the_configured_log_handler_redacts_credentials():
    console = project_console_handler()
    output = io.StringIO()
    previous = console.setStream(output)
    try:
        logging.getLogger("urllib3.connectionpool").warning(
            'https://api.example:443 "GET /api/v1/accounts.json?page=1&auth_token=TOK-abc123 HTTP/1.1" 200'
        )
        logging.getLogger("integrations").warning("sending Authorization: Basic QUstMTIzOlNLLTQ1Ng==")
    finally:
        console.setStream(previous)

    written = output.getvalue()
    assert "TOK-abc123" not in written and "QUstMTIzOlNLLTQ1Ng==" not in written
    assert "auth_token=[REDACTED]" in written and "Authorization: Basic [REDACTED]" in written


def test_redact_leaves_ordinary_text_alone():
    text = "ctm GET /accounts/25001.json -> 200 in 3 ms"
    assert redact(text) == text
    assert redact("password=hunter2&user=bob") == "password=[REDACTED]&user=bob"


def test_credential_headers_are_never_shown_and_signatures_only_stored():
    headers = {"Authorization": "Basic QUs6U0s=", "COOKIE": "sessionid=1", "X-Ctm-Signature": "c2ln", "Accept": "*/*"}

    stored = redact_headers(headers)
    shown = redact_headers(headers, hidden=HIDDEN_HEADERS)

    assert stored == {**headers, "Authorization": "[REDACTED]", "COOKIE": "[REDACTED]"}
    assert shown == {**stored, "X-Ctm-Signature": "[REDACTED]"}
    assert CREDENTIAL_HEADERS < HIDDEN_HEADERS
    assert redact("Proxy-Authorization: Bearer abc.def") == "Proxy-Authorization: Bearer [REDACTED]"
