"""Errors Django answers before DRF is involved (unknown URL, a crash, a 413) get the envelope too."""

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

from ctm_integration.api.envelope import error_body
from ctm_integration.api.outages import API_PREFIXES


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = HTTPStatus(response.status_code)
            code = status.name if status != HTTPStatus.INTERNAL_SERVER_ERROR else "INTERNAL_ERROR"
            return JsonResponse(error_body(status=status.value, message=status.phrase + ".", code=code), status=status)
        return response
