"""The OpenAPI schema says what the API really answers: the envelope, the pagination block, every error.

Views declare their data (`@extend_schema(responses=...)`, or `envelope(...)` for pagination and `meta`)
and the errors only they can answer (`@api_errors(...)`); this AutoSchema wraps every success in the
envelope once, generically, and adds the error envelope for every status the operation can answer,
derived from what it has: a body (400, 415), query parameters (400), path ids (404), a JWT (401), the
errors its permissions raise, and the storage every operation needs (503).
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance, get_override
from drf_spectacular.utils import OpenApiResponse

from ctm_integration.api.errors import ApiError
from ctm_integration.api.serializers import ClosedSerializer

F = TypeVar("F", bound=Callable)
ErrorSpec = type[ApiError] | tuple[int, str]

PAGINATION_SCHEMA = {
    "type": "object",
    "description": "Where this page is in the whole list.",
    "properties": {
        "page": {"type": "integer", "description": "This page's number, from 1."},
        "limit": {"type": "integer", "description": "Items per page."},
        "total": {"type": "integer", "description": "Items in the whole list."},
        "total_pages": {"type": "integer"},
    },
    "required": ["page", "limit", "total", "total_pages"],
}
ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "description": "Every error. `code` is what clients switch on; `message` is for people.",
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "errno": {"type": "integer", "description": "The HTTP status."},
        "message": {"type": "string"},
        "code": {"type": "string", "description": "Stable and machine-readable, e.g. VALIDATION_ERROR."},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "VALIDATION_ERROR only: the messages for each field that was refused.",
        },
    },
    "required": ["success", "errno", "message", "code"],
}
PAGINATION = ResolvedComponent("Pagination", ResolvedComponent.SCHEMA, PAGINATION_SCHEMA, "Pagination")
ERROR_ENVELOPE = ResolvedComponent("ErrorEnvelope", ResolvedComponent.SCHEMA, ERROR_ENVELOPE_SCHEMA, "ErrorEnvelope")
NO_DATA = {"type": "object", "nullable": True, "enum": [None], "description": "Always null."}

# What every operation, or every operation with some feature, can answer.
STORAGE_UNAVAILABLE = (503, "STORAGE_UNAVAILABLE")
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "How to authenticate."}},
    429: RETRY_AFTER,
    503: RETRY_AFTER,
}


def success_envelope(data: dict, *, pagination: bool = False, meta: dict | None = None) -> dict:
    """`{"success": true, "message": "SUCCESS", "data": ...}`, with `pagination` and `meta` where answered."""
    properties = {
        "success": {"type": "boolean", "enum": [True]},
        "message": {"type": "string", "enum": ["SUCCESS"]},
        "data": data,
    }
    if pagination:
        properties["pagination"] = PAGINATION.ref
    if meta is not None:
        properties["meta"] = meta
    return {"type": "object", "properties": properties, "required": list(properties)}


def _drop_input_rules(prop: dict) -> None:
    blank_choice = {"type": "string", "maxLength": 0}
    if len(prop.get("oneOf", ())) == 2 and prop["oneOf"][1] == blank_choice:
        prop.update(prop.pop("oneOf")[0])
    prop.pop("pattern", None)
    if isinstance(prop.get("items"), dict):
        prop["items"].pop("pattern", None)


class Envelope(OpenApiResponse):
    """A success whose envelope carries more than `data`: the pagination block, or `meta`."""

    def __init__(self, response: Any = None, *, paginated: bool = False, meta: Any = None, description: str = ""):
        super().__init__(response=response, description=description)
        self.paginated = paginated
        self.meta = meta


def envelope(response: Any = None, *, paginated: bool = False, meta: Any = None, description: str = "") -> Envelope:
    """For `@extend_schema(responses=...)`: `data` is `response` (`None`: always null)."""
    return Envelope(response, paginated=paginated, meta=meta, description=description)


def _as_status_and_code(spec: ErrorSpec) -> tuple[int, str]:
    return spec if isinstance(spec, tuple) else (spec.status_code, spec.default_code)


def api_errors(*errors: ErrorSpec) -> Callable[[F], F]:
    """Declares the errors a view method answers beyond those its shape implies (see the module doc):
    `ApiError` subclasses, or `(status, code)` for an error raised with its own code."""
    specs = [_as_status_and_code(error) for error in errors]

    def decorate(method: F) -> F:
        method.api_errors = (*getattr(method, "api_errors", ()), *specs)
        return method

    return decorate


class EnvelopeAutoSchema(AutoSchema):
    def _get_parameters(self) -> list[dict]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                # DRF serializers and django-filter read `?x=` as "x not given", so an empty value is fine.
                parameter["allowEmptyValue"] = True
        return parameters

    def get_override_parameters(self) -> list:
        from_permissions = [p for perm in self._permissions() for p in getattr(perm, "schema_parameters", ())]
        return [*super().get_override_parameters(), *from_permissions]

    def _map_basic_serializer(self, serializer, direction: str) -> dict:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            if isinstance(force_instance(serializer), ClosedSerializer):
                schema["additionalProperties"] = False
            schema.update(getattr(serializer, "schema_rules", {}))  # rules between fields, e.g. `anyOf`
        else:
            # Patterns are what the API accepts; what it answers may come from elsewhere (the admin).
            for prop in schema.get("properties", {}).values():
                _drop_input_rules(prop)
        return schema

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        self.registry.register_on_missing(ERROR_ENVELOPE)
        for status, codes in self._error_codes().items():
            responses.setdefault(str(status), self._error_response(status, codes))
        return dict(sorted(responses.items()))

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if direction != "response" or int(status_code) >= 400:
            return response
        declared = serializer if isinstance(serializer, Envelope) else Envelope()
        data = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        if self._paginated_by_view(force_instance(data), status_code):
            self.registry.register_on_missing(PAGINATION)
            return response  # the paginator's schema is the envelope already (see EnvelopePagination)
        meta = self.resolve_serializer(declared.meta, "response").ref if declared.meta is not None else None
        if declared.paginated:
            self.registry.register_on_missing(PAGINATION)
        if "content" not in response:  # no data: the envelope still comes, with `data: null`
            response["description"] = declared.description or "`data` is null."
        content = response.setdefault("content", {mt: {} for mt in self.map_renderers("media_type")})
        for media_type in content.values():
            media_type["schema"] = success_envelope(
                media_type.get("schema", NO_DATA), pagination=declared.paginated, meta=meta
            )
        return response

    def _paginated_by_view(self, serializer: Any, status_code: str) -> bool:
        if isinstance(serializer, dict) or not self._is_list_view(serializer):
            return False
        return (
            get_override(serializer, "many") is not False
            and "200" <= status_code < "300"
            and bool(self._get_paginator())
        )

    def _permissions(self) -> list:
        return self.view.get_permissions() if hasattr(self.view, "get_permissions") else []

    def _method(self) -> Callable | None:
        return getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)

    def _error_codes(self) -> dict[int, list[str]]:
        codes: dict[int, list[str]] = defaultdict(list)

        def add(*specs: tuple[int, str]) -> None:
            for status, code in specs:
                if code not in codes[status]:
                    codes[status].append(code)

        if self._get_request_body() is not None:
            add((400, "MALFORMED_REQUEST"), (400, "VALIDATION_ERROR"), (415, "UNSUPPORTED_MEDIA_TYPE"))
        parameters = self._get_parameters()
        if any(p["in"] == "query" for p in parameters):
            add((400, "VALIDATION_ERROR"))
        if any(p["in"] == "path" for p in parameters):
            add((404, "NOT_FOUND"))
        if self.get_auth():
            add((401, "NOT_AUTHENTICATED"), (401, "AUTHENTICATION_FAILED"))
        for permission in self._permissions():
            add(*map(_as_status_and_code, getattr(permission, "api_errors", ())))
        add(*getattr(self._method(), "api_errors", ()))
        add(STORAGE_UNAVAILABLE)
        return codes

    def _error_response(self, status: int, codes: list[str]) -> dict:
        response = {
            "description": "Codes: " + ", ".join(codes),
            "content": {media_type: {"schema": ERROR_ENVELOPE.ref} for media_type in self.map_renderers("media_type")},
        }
        if status in ERROR_HEADERS:
            response["headers"] = ERROR_HEADERS[status]
        return response
