"""API errors with a stable machine-readable code."""

from rest_framework import status
from rest_framework.exceptions import APIException


class ApiError(APIException):
    """Base for our errors: `code` is what the frontend switches on, `message` what people read."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "BAD_REQUEST"

    def __init__(self, message: str | None = None, *, code: str | None = None, headers: dict | None = None):
        super().__init__(detail=message or self.default_detail, code=code or self.default_code)
        self.headers = headers or {}


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."
    default_code = "NOT_FOUND"


class TokenInvalidated(ApiError):
    """CTM rejected the stored credentials: the user has to reconnect."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "TOKEN_INVALIDATED"
    default_code = "TOKEN_INVALIDATED"


class InvalidCredentials(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "CTM rejected the username or password."
    default_code = "INVALID_CREDENTIALS"


class UpstreamError(ApiError):
    """CTM failed in a way that is not the caller's fault."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "CallTrackingMetrics answered with an error."
    default_code = "CTM_UNAVAILABLE"
