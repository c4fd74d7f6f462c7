"""A database or broker that cannot be reached is an outage, not a bug: the API answers
503 STORAGE_UNAVAILABLE with Retry-After, wherever the error surfaced (a DRF view, a plain view,
a middleware). Errors that mean our query is wrong (IntegrityError, ProgrammingError, DataError)
stay 500 INTERNAL_ERROR."""

import sys

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from ctm_integration.api.envelope import error_body

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # cannot connect, connection lost, server shutting down, lock or statement timeout
    InterfaceError,  # the connection is already closed
    kombu.exceptions.OperationalError,  # the broker refused or dropped the publish
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
API_PREFIXES = ("/v1/",)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_body() -> dict:
    return error_body(status=503, message="A storage service is unavailable; please retry.", code="STORAGE_UNAVAILABLE")


def outage_headers() -> dict[str, str]:
    return {"Retry-After": str(settings.STORAGE_UNAVAILABLE_RETRY_AFTER)}


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() names it. API paths
    get the envelope (503 for an outage), everything else Django's own page."""
    if not request.path.startswith(API_PREFIXES):
        return defaults.server_error(request)
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return JsonResponse(outage_body(), status=503, headers=outage_headers())
    body = error_body(status=500, message="Internal server error.", code="INTERNAL_ERROR")
    return JsonResponse(body, status=500)
