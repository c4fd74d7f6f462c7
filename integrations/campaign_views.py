"""Campaigns: what calls are attributed to, and what keeps credentials alive on disconnect; a campaign's
summary and chart across providers, read from its metrics."""

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import AccountScopedMixin
from ctm_integration.api.envelope import success
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import envelope
from integrations.call_selectors import CampaignScope, call_chart, call_summary, campaign_providers
from integrations.campaign_report_serializers import (
    CampaignChartMetaSerializer,
    CampaignChartQuerySerializer,
    CampaignReportMetaSerializer,
    CampaignSummaryQuerySerializer,
)
from integrations.campaign_serializers import CampaignSerializer
from integrations.models import Campaign
from integrations.providers.registry import provider_choices
from integrations.report_response_serializers import CallSummarySerializer, ChartBucketSerializer
from integrations.selectors import campaigns_for_account
from integrations.services import campaign_create, campaign_delete, campaign_update


class CampaignFilter(filters.FilterSet):
    integration = filters.ChoiceFilter(choices=provider_choices())

    class Meta:
        model = Campaign
        fields = ["status", "integration"]


@extend_schema_view(
    list=extend_schema(summary="List campaigns"),
    create=extend_schema(summary="Create a campaign"),
    retrieve=extend_schema(summary="Get a campaign"),
    partial_update=extend_schema(summary="Change a campaign"),
    destroy=extend_schema(summary="Delete a campaign", responses={200: envelope(None)}),
)
class CampaignViewSet(
    AccountScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns of the account: what calls are attributed to."""

    serializer_class = CampaignSerializer
    pagination_class = EnvelopePagination
    filterset_class = CampaignFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request account
            return Campaign.objects.none()
        return campaigns_for_account(account=self.request.account)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "account": getattr(self.request, "account", None)}

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return success(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_create(account=request.account, **serializer.validated_data)
        return success(self.get_serializer(campaign).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_update(campaign=serializer.instance, **serializer.validated_data)
        return success(self.get_serializer(campaign).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        campaign_delete(campaign=self.get_object())
        return success(None)

    # Reports: the campaign by its id (another account's is a 404), then the query, then the selector.
    # Neither paginated nor filtered like the list: `?status=` must not hide the campaign.

    @extend_schema(
        parameters=[CampaignSummaryQuerySerializer],
        responses=envelope(CallSummarySerializer, meta=CampaignReportMetaSerializer),
        summary="A campaign's call summary, across providers",
        description="The campaign's calls from every provider (or `provider`'s), read from its metrics: the "
        "fields of a CTM account's summary. Dates are the account's local days.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request: Request, *args, **kwargs) -> Response:
        campaign = self.get_object()
        scope = report_scope(request, campaign, self.valid_query(CampaignSummaryQuerySerializer))
        return success(call_summary(scope=scope), meta=report_meta(scope))

    @extend_schema(
        parameters=[CampaignChartQuerySerializer],
        responses=envelope(ChartBucketSerializer(many=True), meta=CampaignChartMetaSerializer),
        summary="A campaign's zero-filled call timeline, across providers",
        description="Every hour, day or week (from Monday) of the range, empty ones as zeros, in the account's "
        "time zone: a DST day has its 23 or 25 hours (the repeated hour is one bucket).",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def chart(self, request: Request, *args, **kwargs) -> Response:
        campaign = self.get_object()
        query = self.valid_query(CampaignChartQuerySerializer)
        scope = report_scope(request, campaign, query)
        meta = {**report_meta(scope), "interval": query["interval"].value}
        return success(call_chart(scope=scope, interval=query["interval"]), meta=meta)

    def valid_query(self, query_class: type[serializers.Serializer]) -> dict:
        query = query_class(data=self.request.query_params, context={"timezone": self.request.account.timezone})
        query.is_valid(raise_exception=True)
        return query.validated_data


def report_scope(request: Request, campaign: Campaign, query: dict) -> CampaignScope:
    return CampaignScope(
        account=request.account,
        campaign=campaign,
        provider=query.get("provider"),
        start=query["start_date"],
        end=query["end_date"],
    )


def report_meta(scope: CampaignScope) -> dict[str, Any]:
    return {
        "start_date": scope.start.isoformat(),
        "end_date": scope.end.isoformat(),
        "timezone": scope.account.timezone,
        "provider": scope.provider,
        "providers": campaign_providers(campaign=scope.campaign, candidates=(slug for slug, _ in provider_choices())),
    }
