"""Webhook endpoints of every provider: GET, POST /v1/webhook-endpoints; GET, PATCH, DELETE /v1/webhook-endpoints/<id>.

Endpoints a provider registers itself (CTM's, through /v1/e/calltrackingmetrics/<tokenId>/webhook)
are listed here too. Generated credentials are in the answer that generated them, and never again.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import AccountScopedMixin
from ctm_integration.api.envelope import success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.fields import StrictBooleanField, StrictCharField, StrictRegexField, StrictUUIDField
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import envelope
from ctm_integration.api.serializers import ClosedSerializer
from integrations.models import WebhookEndpoint
from integrations.providers.registry import UnknownProvider, provider_choices, provider_for
from integrations.selectors import campaigns_for_account, webhook_endpoints_for_account
from integrations.webhooks.endpoints import (
    EndpointWithSecrets,
    webhook_endpoint_create,
    webhook_endpoint_deactivate,
    webhook_endpoint_update,
)

AUTH_SCHEMES = ["signature", "basic", "query_token", "header_token", "standard_webhooks"]


class EndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    provider = serializers.CharField()
    name = serializers.CharField()
    campaign_id = serializers.UUIDField(allow_null=True)
    auth = serializers.CharField(help_text="How its deliveries authenticate")
    status = serializers.ChoiceField(choices=WebhookEndpoint.Status.choices)
    url = serializers.URLField(help_text="Where the provider delivers (from PUBLIC_BASE_URL, else this host)")
    events = serializers.ListField(child=serializers.CharField())
    header_name = serializers.CharField(help_text="header_token: the header that carries the token")
    public_key = serializers.CharField(help_text="A static header value deliveries must carry, if set")
    field_map = serializers.DictField(
        child=serializers.CharField(),
        help_text="custom: our field -> dotted path; the fields mapped say whether it posts calls or form leads",
    )
    urls = serializers.DictField(
        child=serializers.URLField(),
        required=False,
        help_text="Providers configured with one URL per event type: event -> its URL (`url?event=<event>`)",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EndpointRevealedSerializer(EndpointSerializer):
    signing_secret = serializers.CharField(required=False, help_text="Shown once, when we generated it")
    credential = serializers.CharField(required=False, help_text="query_token/header_token: shown once")
    basic_username = serializers.CharField(required=False, help_text="basic: shown once")
    basic_password = serializers.CharField(required=False, help_text="basic: shown once")


class EndpointCreateSerializer(ClosedSerializer):
    provider = serializers.ChoiceField(choices=[])
    campaign_id = StrictUUIDField(required=False, allow_null=True)
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    auth = serializers.ChoiceField(choices=AUTH_SCHEMES, required=False)
    signing_secret = StrictCharField(min_length=16, max_length=512, required=False)
    public_key = StrictCharField(max_length=512, required=False)
    field_map = serializers.DictField(child=StrictCharField(max_length=200), required=False)
    header_name = StrictRegexField(r"^[A-Za-z0-9-]{1,100}$", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()

    def validate_campaign_id(self, value):
        return _campaign(self.context["account"], value)


class EndpointUpdateSerializer(ClosedSerializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    campaign_id = StrictUUIDField(required=False, allow_null=True)
    active = StrictBooleanField(required=False)
    signing_secret = StrictCharField(max_length=512, required=False, allow_blank=True)
    field_map = serializers.DictField(child=StrictCharField(max_length=200), required=False)

    def validate_campaign_id(self, value):
        return _campaign(self.context["account"], value)


def _campaign(account, campaign_id):
    if campaign_id is None:
        return None
    campaign = campaigns_for_account(account=account).filter(pk=campaign_id).first()
    if campaign is None:
        raise serializers.ValidationError("No campaign with that id in this account.")
    return campaign


def endpoint_url(endpoint: WebhookEndpoint, *, request: Request, with_credential: bool = False) -> str:
    base = settings.PUBLIC_BASE_URL or request.build_absolute_uri("/")
    path = reverse("provider-webhook", kwargs={"provider": endpoint.provider, "endpoint_id": endpoint.pk})
    url = f"{base.rstrip('/')}{path}"
    if with_credential and endpoint.auth == "query_token":
        url += "?" + urlencode({"token": endpoint.credential})
    return url


def event_urls(endpoint: WebhookEndpoint, *, url: str) -> dict[str, str] | None:
    """One URL per event, for a provider whose sender is configured with one URL per event type."""
    try:
        separate = provider_for(endpoint.provider).features.get("event_urls")
    except UnknownProvider:
        return None
    if not separate:
        return None
    joiner = "&" if "?" in url else "?"
    return {event: f"{url}{joiner}{urlencode({'event': event})}" for event in endpoint.events}


def representation(endpoint: WebhookEndpoint, *, request: Request, revealed: dict | None = None) -> dict:
    url = endpoint_url(endpoint, request=request, with_credential=bool(revealed))
    urls = event_urls(endpoint, url=url)
    data = {
        "id": str(endpoint.pk),
        "provider": endpoint.provider,
        "name": endpoint.name,
        "campaign_id": str(endpoint.campaign_id) if endpoint.campaign_id else None,
        "auth": endpoint.auth,
        "status": endpoint.status,
        "url": url,
        "events": endpoint.events,
        "header_name": endpoint.header_name,
        "public_key": endpoint.public_key,
        "field_map": endpoint.field_map,
        "created_at": endpoint.created_at.isoformat(),
        "updated_at": endpoint.updated_at.isoformat(),
        **({"urls": urls} if urls is not None else {}),
    }
    return {**data, **(revealed or {})}


def _answer(result: EndpointWithSecrets, *, request: Request, status_code: int = status.HTTP_200_OK) -> Response:
    return success(representation(result.endpoint, request=request, revealed=result.revealed), status=status_code)


class WebhookEndpointsView(AccountScopedMixin, APIView):
    @extend_schema(
        operation_id="webhook_endpoints_list",
        responses=envelope(EndpointSerializer(many=True), paginated=True),
        summary="Webhook endpoints",
    )
    def get(self, request: Request) -> Response:
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(webhook_endpoints_for_account(account=request.account), request, view=self)
        return paginator.get_paginated_response([representation(e, request=request) for e in page])

    @extend_schema(
        request=EndpointCreateSerializer,
        responses={201: EndpointRevealedSerializer},
        summary="Create a webhook endpoint (its generated credential is shown once)",
    )
    def post(self, request: Request) -> Response:
        payload = EndpointCreateSerializer(data=request.data, context={"account": request.account})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = webhook_endpoint_create(
            account=request.account,
            campaign=data.pop("campaign_id", None),
            field_map=data.pop("field_map", None),
            **data,
        )
        return _answer(result, request=request, status_code=status.HTTP_201_CREATED)


class WebhookEndpointView(AccountScopedMixin, APIView):
    def get_endpoint(self, endpoint_id) -> WebhookEndpoint:
        endpoint = webhook_endpoints_for_account(account=self.request.account).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("No webhook endpoint with that id.", code="ENDPOINT_NOT_FOUND")
        return endpoint

    @extend_schema(responses=EndpointSerializer, summary="A webhook endpoint")
    def get(self, request: Request, endpoint_id) -> Response:
        return success(representation(self.get_endpoint(endpoint_id), request=request))

    @extend_schema(
        request=EndpointUpdateSerializer,
        responses=EndpointRevealedSerializer,
        summary="Change a webhook endpoint (a new signing secret keeps the old one valid for 24 hours)",
    )
    def patch(self, request: Request, endpoint_id) -> Response:
        endpoint = self.get_endpoint(endpoint_id)
        payload = EndpointUpdateSerializer(data=request.data, context={"account": request.account})
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        if "campaign_id" in changes:
            changes["campaign"] = changes.pop("campaign_id")
        return _answer(webhook_endpoint_update(endpoint=endpoint, **changes), request=request)

    @extend_schema(
        request=None, responses={200: EndpointSerializer}, summary="Deactivate a webhook endpoint (then 410)"
    )
    def delete(self, request: Request, endpoint_id) -> Response:
        endpoint = webhook_endpoint_deactivate(endpoint=self.get_endpoint(endpoint_id))
        return success(representation(endpoint, request=request))
