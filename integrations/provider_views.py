"""GET /v1/providers: the call-tracking providers this service speaks, from the registry."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ctm_integration.api.envelope import success
from integrations.providers.registry import PROVIDERS


class ProviderSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="In URLs (/v1/e/<slug>/...) and on every call, endpoint and delivery.")
    name = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField(), help_text="The provider's events we accept.")
    auth = serializers.ListField(child=serializers.CharField(), help_text="How its deliveries may authenticate.")


class ProvidersView(APIView):
    @extend_schema(responses=ProviderSerializer(many=True), summary="The call-tracking providers")
    def get(self, request: Request) -> Response:
        return success([provider.as_dict() for provider in PROVIDERS])
