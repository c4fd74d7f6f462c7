"""Page/limit pagination inside the envelope: `data` plus a `pagination` object."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ctm_integration.api.envelope import success


class EnvelopePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100

    def get_paginated_response(self, data) -> Response:
        return success(
            data,
            pagination={
                "page": self.page.number,
                "limit": self.page.paginator.per_page,
                "total": self.page.paginator.count,
                "total_pages": self.page.paginator.num_pages,
            },
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "success": {"type": "boolean"},
                "message": {"type": "string"},
                "data": schema,
                "pagination": {
                    "type": "object",
                    "properties": {k: {"type": "integer"} for k in ("page", "limit", "total", "total_pages")},
                },
            },
        }
