"""The response envelope every API answer uses (DESIGN.md, "API contract"); the API schema describes it
in ctm_integration.api.schema."""

from typing import Any

from rest_framework import status as http_status
from rest_framework.response import Response


def success(data: Any = None, *, status: int = http_status.HTTP_200_OK, **extra: Any) -> Response:
    """`{"success": true, "message": "SUCCESS", "data": ...}` plus any extra top-level keys."""
    return Response({"success": True, "message": "SUCCESS", "data": data, **extra}, status=status)


def error_body(*, status: int, message: str, code: str, **extra: Any) -> dict[str, Any]:
    """`{"success": false, "errno": <status>, "message": ..., "code": ...}`."""
    return {"success": False, "errno": status, "message": message, "code": code, **extra}
