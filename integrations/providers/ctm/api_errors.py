"""How CTM failures reach our API callers: status codes and codes the frontend can switch on."""

from rest_framework import status

from ctm_integration.api.errors import ApiError, InvalidCredentials, NotFound, TokenInvalidated, UpstreamError
from integrations.providers.ctm.errors import (
    CtmBadRequest,
    CtmConnectionError,
    CtmError,
    CtmInvalidCredentials,
    CtmKeyInvalidated,
    CtmNoNumberAvailable,
    CtmNotFound,
    CtmRateLimited,
    CtmTimeout,
)


class CtmRateLimitedError(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "CallTrackingMetrics is rate limiting these credentials; try again shortly."
    default_code = "CTM_RATE_LIMITED"


class CtmTimeoutError(ApiError):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "CallTrackingMetrics did not answer in time."
    default_code = "CTM_TIMEOUT"


# What a view that calls CTM can answer because of CTM (for `@api_errors(*CTM_ERRORS)`).
CTM_ERRORS = (
    (404, "CTM_NOT_FOUND"),
    (400, "CTM_BAD_REQUEST"),
    UpstreamError,
    (502, "CTM_UNREACHABLE"),
    CtmRateLimitedError,
    CtmTimeoutError,
)


def api_error_for(exc: CtmError) -> ApiError:
    if isinstance(exc, CtmKeyInvalidated):
        return TokenInvalidated()
    if isinstance(exc, CtmInvalidCredentials):
        return InvalidCredentials()
    if isinstance(exc, CtmNotFound):
        return NotFound("CallTrackingMetrics has no such object for these credentials.", code="CTM_NOT_FOUND")
    if isinstance(exc, CtmNoNumberAvailable):
        return ApiError(str(exc), code="NO_NUMBER_AVAILABLE")
    if isinstance(exc, CtmBadRequest):
        return ApiError(f"CallTrackingMetrics refused the request: {exc}", code="CTM_BAD_REQUEST")
    if isinstance(exc, CtmRateLimited):
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after is not None else {}
        return CtmRateLimitedError(headers=headers)
    if isinstance(exc, CtmTimeout):
        return CtmTimeoutError()
    if isinstance(exc, CtmConnectionError):
        return UpstreamError("CallTrackingMetrics could not be reached.", code="CTM_UNREACHABLE")
    return UpstreamError()


class CtmErrorsMixin:
    """For API views that call CTM: its failures become envelope errors instead of 500s."""

    def handle_exception(self, exc):
        if isinstance(exc, CtmError):
            exc = api_error_for(exc)
        return super().handle_exception(exc)
