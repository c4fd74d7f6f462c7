"""Page/limit pagination inside the envelope: `data` plus a `pagination` object."""

from django.core.paginator import Page
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ctm_integration.api.envelope import success
from ctm_integration.api.schema import success_envelope


class PageQuerySerializer(serializers.Serializer):
    """`?page=&limit=`: integers in range, or a 400 naming the parameter (never silently the default)."""

    page = serializers.IntegerField(min_value=1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class EnvelopePagination(PageNumberPagination):
    page_size = PageQuerySerializer().fields["limit"].default
    page_size_query_param = "limit"
    max_page_size = PageQuerySerializer().fields["limit"].max_value

    def paginate_queryset(self, queryset, request, view=None) -> list:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.request = request
        paginator = self.django_paginator_class(queryset, query.validated_data["limit"])
        number = query.validated_data["page"]
        # A page past the end is an empty page (the list may have shrunk), not an error.
        self.page = paginator.page(number) if number <= paginator.num_pages else Page([], number, paginator)
        return list(self.page)

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
        return success_envelope(schema, pagination=True)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        fields = PageQuerySerializer().fields

        def parameter(name: str, description: str) -> dict:
            field = fields[name]
            schema = {"type": "integer", "minimum": field.min_value, "default": field.default}
            if field.max_value is not None:
                schema["maximum"] = field.max_value
            return {"name": name, "required": False, "in": "query", "description": description, "schema": schema}

        return [
            parameter("page", "Page number, from 1; past the last page the list is empty."),
            parameter("limit", "Items per page."),
        ]
