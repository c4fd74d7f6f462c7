"""Turns every error, DRF's own included, into the envelope of DESIGN.md."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from ctm_integration.api.envelope import error_body
from ctm_integration.api.errors import ApiError
from ctm_integration.api.outages import is_outage, outage_body, outage_headers

logger = logging.getLogger(__name__)

# DRF's generic exceptions, named the way our clients switch on them.
_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "VALIDATION_ERROR",
    exceptions.ParseError: "MALFORMED_REQUEST",
    exceptions.NotAuthenticated: "NOT_AUTHENTICATED",
    exceptions.AuthenticationFailed: "AUTHENTICATION_FAILED",
    exceptions.PermissionDenied: "PERMISSION_DENIED",
    exceptions.NotFound: "NOT_FOUND",
    exceptions.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    exceptions.NotAcceptable: "NOT_ACCEPTABLE",
    exceptions.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    exceptions.Throttled: "THROTTLED",
}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _by_field(detail: Any) -> dict:
    """`errors` is always `{field: messages}`; errors about no one field are `non_field_errors`."""
    return (
        detail if isinstance(detail, dict) else {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    )


def envelope_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # A model's own validation (full_clean in a service) is the caller's error, not a crash.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if is_outage(exc):
        # The database or the broker is unreachable: the caller should retry, and we should know.
        logger.error("Storage unavailable in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response(outage_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=outage_headers())
    if not isinstance(exc, exceptions.APIException):
        # Unexpected: log it with its traceback and answer a 500 envelope (never the exception text).
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        body = error_body(status=500, message="Internal server error.", code="INTERNAL_ERROR")
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, ApiError):
        headers.update(exc.headers)
        code = exc.detail.code
        extra: dict[str, Any] = {}
        message = str(exc.detail)
    else:
        code = next((c for klass, c in _CODES.items() if isinstance(exc, klass)), "ERROR")
        message = _first_message(exc.detail)
        extra = {"errors": _by_field(exc.detail)} if isinstance(exc, exceptions.ValidationError) else {}
    body = error_body(status=exc.status_code, message=message, code=str(code).upper(), **extra)
    return Response(body, status=exc.status_code, headers=headers)
