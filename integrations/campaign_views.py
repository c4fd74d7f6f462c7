"""Campaigns: what calls are attributed to, and what keeps credentials alive on disconnect."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import AccountScopedMixin
from ctm_integration.api.envelope import success
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import envelope
from integrations.campaign_serializers import CampaignSerializer
from integrations.models import Campaign
from integrations.providers.registry import provider_choices
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
