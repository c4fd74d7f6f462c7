"""Managing the account's CTM webhooks: register for a campaign, list, delete."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ctm_integration.api.envelope import success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.fields import StrictUUIDField
from ctm_integration.api.schema import api_errors
from integrations.models import Campaign, WebhookEndpoint
from integrations.providers.ctm.base_views import CTM_KEY_ERRORS, KEY_NOT_FOUND, CtmView
from integrations.providers.ctm.normalize import WEBHOOK_EVENTS
from integrations.providers.ctm.response_serializers import WebhookSerializer
from integrations.providers.ctm.serializers import CtmIdField
from integrations.providers.ctm.webhook_registration import (
    endpoint_url,
    webhook_endpoint_register,
    webhook_endpoint_remove,
)
from integrations.selectors import campaigns_for_account, webhook_endpoints_for_account


class WebhookCreateSerializer(serializers.Serializer):
    campaign_id = StrictUUIDField()
    calltracking_account_id = CtmIdField()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[e.value for e in WEBHOOK_EVENTS]),
        min_length=1,
        default=lambda: ["call.completed"],
    )

    def validate_campaign_id(self, value) -> Campaign:
        campaign = campaigns_for_account(account=self.context["account"]).filter(pk=value).first()
        if campaign is None:
            raise serializers.ValidationError("No campaign with that id in this account.")
        return campaign

    def validate_events(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


def webhook_representation(endpoint: WebhookEndpoint, *, base_url: str) -> dict:
    return {
        "webhook_id": str(endpoint.pk),
        "url": endpoint_url(endpoint=endpoint, base_url=base_url),
        "events": endpoint.events,
        "status": endpoint.status,
        "campaign_id": str(endpoint.campaign_id) if endpoint.campaign_id else None,
        "calltracking_account_id": endpoint.provider_account_id,
        "ctm_webhook_ids": endpoint.provider_webhook_ids,
        "signature_required": endpoint.require_signature,
        "created_at": endpoint.created_at.isoformat(),
    }


class WebhookViewMixin:
    def base_url(self) -> str:
        return settings.PUBLIC_BASE_URL or self.request.build_absolute_uri("/")


class CtmWebhooksView(WebhookViewMixin, CtmView):
    @extend_schema(responses=WebhookSerializer(many=True), summary="The account's CTM webhooks")
    @api_errors(KEY_NOT_FOUND)
    def get(self, request: Request, key_id: str) -> Response:
        key = self.get_key(key_id)
        endpoints = webhook_endpoints_for_account(account=request.account).filter(key=key)
        return success([webhook_representation(e, base_url=self.base_url()) for e in endpoints])

    @extend_schema(
        request=WebhookCreateSerializer,
        responses={201: WebhookSerializer},
        summary="Register a CTM webhook for a campaign",
    )
    @api_errors(*CTM_KEY_ERRORS)
    def post(self, request: Request, key_id: str) -> Response:
        payload = WebhookCreateSerializer(data=request.data, context={"account": request.account})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        endpoint = webhook_endpoint_register(
            key=self.get_key(key_id),
            campaign=data["campaign_id"],
            provider_account_id=data["calltracking_account_id"],
            events=data["events"],
            base_url=self.base_url(),
        )
        return success(webhook_representation(endpoint, base_url=self.base_url()), status=status.HTTP_201_CREATED)


class CtmWebhookRegistrationView(WebhookViewMixin, CtmView):
    @extend_schema(summary="Delete a CTM webhook (at CTM too)", request=None, responses={200: WebhookSerializer})
    @api_errors((404, "WEBHOOK_NOT_FOUND"), *CTM_KEY_ERRORS)
    def delete(self, request: Request, key_id: str, webhook_id: str) -> Response:
        key = self.get_key(key_id)
        endpoint = (
            webhook_endpoints_for_account(account=request.account)
            .filter(key=key, pk=webhook_id, status=WebhookEndpoint.Status.ACTIVE)
            .first()
        )
        if endpoint is None:
            raise NotFound("No webhook with that id.", code="WEBHOOK_NOT_FOUND")
        webhook_endpoint_remove(endpoint=endpoint)
        return success(webhook_representation(endpoint, base_url=self.base_url()))
