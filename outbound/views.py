"""Outbound webhooks of the caller's account:

GET, POST /v1/outbound-webhooks; GET, PATCH, DELETE /v1/outbound-webhooks/<id>;
POST /v1/outbound-webhooks/<id>/test (the latest matching activity, sent now: the answer is the attempt);
GET /v1/outbound-webhooks/<id>/deliveries?status= (with each delivery's attempts);
POST /v1/outbound-webhooks/<id>/deliveries/<delivery id>/rerun; POST /v1/outbound-webhooks/<id>/reactivate.

And, without a JWT, GET /v1/call-links/<token>: the call a `resource` body links to.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import AccountScopedMixin
from ctm_integration.api.envelope import success
from ctm_integration.api.errors import ApiError, NotFound
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import api_errors, envelope
from integrations.call_views import StoredCallDetailSerializer
from integrations.models import Call
from outbound.call_links import CallLinkInvalid, call_link_call_id
from outbound.models import OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.selectors import outbound_deliveries_for_webhook, outbound_webhooks_for_account
from outbound.serializers import (
    OutboundDeliveriesQuerySerializer,
    OutboundDeliverySerializer,
    OutboundReactivatedMetaSerializer,
    OutboundReactivateSerializer,
    OutboundTestAttemptSerializer,
    OutboundWebhookCreatedSerializer,
    OutboundWebhookInputSerializer,
    OutboundWebhookSerializer,
    OutboundWebhookUpdateSerializer,
)
from outbound.services import (
    DeliveryInFlight,
    NothingToTest,
    WebhookDeactivated,
    outbound_delivery_rerun,
    outbound_webhook_create,
    outbound_webhook_delete,
    outbound_webhook_reactivate,
    outbound_webhook_test,
    outbound_webhook_update,
)
from outbound.ssrf import UrlInvalid, UrlNotAllowed
from outbound.triggers import AuthType

URL_NOT_ALLOWED = (400, "URL_NOT_ALLOWED")


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Not now."
    default_code = "CONFLICT"


class CallLinkRefused(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Not a valid call link."
    default_code = "CALL_LINK_INVALID"


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def webhook_representation(webhook: OutboundWebhook) -> dict:
    auth: dict = {"type": webhook.auth_type}
    if webhook.auth_type == AuthType.HEADER:
        auth["header_name"] = webhook.auth_header_name
    return {
        "id": str(webhook.pk),
        "name": webhook.name,
        "description": webhook.description,
        "active": webhook.active,
        "status": webhook.status,
        "url": webhook.url,
        "method": webhook.method,
        "trigger": webhook.trigger,
        "keywords": webhook.keywords,
        "body_type": webhook.body_type,
        "body_template": webhook.body_template,
        "content_type": webhook.content_type,
        "filters": webhook.filters,
        "auth": auth,
        "last_failure": (
            {"at": _iso(webhook.last_failure_at), "error": webhook.last_failure} if webhook.last_failure_at else None
        ),
        "deactivated_at": _iso(webhook.deactivated_at),
        "created_at": _iso(webhook.created_at),
        "updated_at": _iso(webhook.updated_at),
    }


def attempt_representation(attempt: OutboundAttempt) -> dict:
    return {
        "id": attempt.pk,
        "started_at": _iso(attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "method": attempt.method,
        "url": attempt.url,
        "status_code": attempt.status_code,
        "response_body": attempt.response_body,
        "error": attempt.error,
        "next_attempt_at": _iso(attempt.next_attempt_at),
    }


def delivery_representation(delivery: OutboundDelivery) -> dict:
    return {
        "id": delivery.pk,
        "trigger": delivery.trigger,
        "status": delivery.status,
        "test": delivery.test,
        "call_id": delivery.call_id,
        "message_id": delivery.message_id,
        "lead_id": delivery.lead_id,
        "attempt_count": delivery.attempts,
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "created_at": _iso(delivery.created_at),
        "finished_at": _iso(delivery.finished_at),
        "attempts": [attempt_representation(a) for a in delivery.attempts_made.all()],
    }


def _configured(call, **kwargs):
    """Run a create/update service, turning a refused URL into the API's answer."""
    try:
        return call(**kwargs)
    except UrlInvalid as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    except UrlNotAllowed as exc:
        raise ApiError(str(exc), code="URL_NOT_ALLOWED") from None


def _input(data: dict) -> dict:
    """Validated input as the services take it (JSON-ready: campaign ids as strings)."""
    data = dict(data)
    if "filters" in data:
        filters = dict(data["filters"])
        if "campaign_id" in filters:
            filters["campaign_id"] = [str(c) for c in filters["campaign_id"]]
        data["filters"] = filters
    if "auth" in data:
        data["auth"] = dict(data["auth"])
    return data


class OutboundWebhooksView(AccountScopedMixin, APIView):
    @extend_schema(
        operation_id="outbound_webhooks_list",
        responses=envelope(OutboundWebhookSerializer(many=True), paginated=True),
        summary="Outbound webhooks",
    )
    def get(self, request: Request) -> Response:
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(outbound_webhooks_for_account(account=request.account), request, view=self)
        return paginator.get_paginated_response([webhook_representation(w) for w in page])

    @extend_schema(
        request=OutboundWebhookInputSerializer,
        responses={201: OutboundWebhookCreatedSerializer},
        summary="Create an outbound webhook (its signing secret is shown once, here)",
    )
    @api_errors(URL_NOT_ALLOWED)
    def post(self, request: Request) -> Response:
        payload = OutboundWebhookInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = _configured(outbound_webhook_create, account=request.account, **_input(payload.validated_data))
        data = {**webhook_representation(created.webhook), "signing_secret": created.signing_secret}
        return success(data, status=status.HTTP_201_CREATED)


class OutboundWebhookMixin(AccountScopedMixin):
    def get_webhook(self, outbound_webhook_id) -> OutboundWebhook:
        webhook = outbound_webhooks_for_account(account=self.request.account).filter(pk=outbound_webhook_id).first()
        if webhook is None:
            raise NotFound("No outbound webhook with that id.", code="OUTBOUND_WEBHOOK_NOT_FOUND")
        return webhook


class OutboundWebhookView(OutboundWebhookMixin, APIView):
    @extend_schema(responses=OutboundWebhookSerializer, summary="An outbound webhook")
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"))
    def get(self, request: Request, outbound_webhook_id) -> Response:
        return success(webhook_representation(self.get_webhook(outbound_webhook_id)))

    @extend_schema(
        request=OutboundWebhookUpdateSerializer,
        responses=OutboundWebhookSerializer,
        summary="Change an outbound webhook",
    )
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"), URL_NOT_ALLOWED)
    def patch(self, request: Request, outbound_webhook_id) -> Response:
        webhook = self.get_webhook(outbound_webhook_id)
        payload = OutboundWebhookUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        webhook = _configured(outbound_webhook_update, webhook=webhook, **_input(payload.validated_data))
        return success(webhook_representation(webhook))

    @extend_schema(request=None, responses={200: envelope(None)}, summary="Delete an outbound webhook and its log")
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"))
    def delete(self, request: Request, outbound_webhook_id) -> Response:
        outbound_webhook_delete(webhook=self.get_webhook(outbound_webhook_id))
        return success(None)


class OutboundWebhookTestView(OutboundWebhookMixin, APIView):
    @extend_schema(
        request=None,
        responses=OutboundTestAttemptSerializer,
        summary="Send the account's latest matching activity now; the answer is the attempt",
    )
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"), (409, "NOTHING_TO_SEND"))
    def post(self, request: Request, outbound_webhook_id) -> Response:
        webhook = self.get_webhook(outbound_webhook_id)
        try:
            attempt = outbound_webhook_test(webhook=webhook)
        except NothingToTest as exc:
            raise Conflict(str(exc), code="NOTHING_TO_SEND") from None
        return success({**attempt_representation(attempt), "delivery_id": attempt.delivery_id})


class OutboundDeliveriesView(OutboundWebhookMixin, APIView):
    @extend_schema(
        operation_id="outbound_webhook_deliveries_list",
        parameters=[OutboundDeliveriesQuerySerializer],
        responses=envelope(OutboundDeliverySerializer(many=True), paginated=True),
        summary="A webhook's deliveries, newest first, each with its attempts",
    )
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"))
    def get(self, request: Request, outbound_webhook_id) -> Response:
        webhook = self.get_webhook(outbound_webhook_id)
        query = OutboundDeliveriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deliveries = outbound_deliveries_for_webhook(webhook=webhook, status=query.validated_data.get("status"))
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response([delivery_representation(d) for d in page])


class OutboundDeliveryRerunView(OutboundWebhookMixin, APIView):
    @extend_schema(request=None, responses=OutboundDeliverySerializer, summary="Send a delivery again now")
    @api_errors(
        (404, "OUTBOUND_WEBHOOK_NOT_FOUND"),
        (404, "DELIVERY_NOT_FOUND"),
        (409, "WEBHOOK_DEACTIVATED"),
        (409, "DELIVERY_IN_FLIGHT"),
    )
    def post(self, request: Request, outbound_webhook_id, delivery_id: int) -> Response:
        webhook = self.get_webhook(outbound_webhook_id)
        delivery = OutboundDelivery.objects.filter(webhook=webhook, pk=delivery_id).first()
        if delivery is None:
            raise NotFound("No delivery with that id for this webhook.", code="DELIVERY_NOT_FOUND")
        try:
            delivery = outbound_delivery_rerun(delivery=delivery)
        except WebhookDeactivated as exc:
            raise Conflict(str(exc), code="WEBHOOK_DEACTIVATED") from None
        except DeliveryInFlight as exc:
            raise Conflict(str(exc), code="DELIVERY_IN_FLIGHT") from None
        return success(delivery_representation(delivery))


class OutboundWebhookReactivateView(OutboundWebhookMixin, APIView):
    @extend_schema(
        request=OutboundReactivateSerializer,
        responses=envelope(OutboundWebhookSerializer, meta=OutboundReactivatedMetaSerializer),
        summary="Reactivate a webhook we deactivated; rerun_failed sends again what failed while it was down",
    )
    @api_errors((404, "OUTBOUND_WEBHOOK_NOT_FOUND"))
    def post(self, request: Request, outbound_webhook_id) -> Response:
        webhook = self.get_webhook(outbound_webhook_id)
        payload = OutboundReactivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rerun = outbound_webhook_reactivate(
            webhook=webhook, rerun_failed=payload.validated_data.get("rerun_failed", False)
        )
        webhook.refresh_from_db()
        return success(webhook_representation(webhook), meta={"rerun": rerun})


class CallLinkView(APIView):
    """The call a `resource` body links to: no JWT, the signed token in the path is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        responses=StoredCallDetailSerializer,
        summary="The call an outbound webhook linked to (the link works for 7 days)",
    )
    @api_errors(CallLinkRefused, (403, "CALL_LINK_EXPIRED"), (404, "CALL_NOT_FOUND"))
    def get(self, request: Request, link_token: str) -> Response:
        try:
            call_id = call_link_call_id(token=link_token)
        except CallLinkInvalid as exc:
            code = "CALL_LINK_EXPIRED" if "expired" in str(exc) else "CALL_LINK_INVALID"
            raise CallLinkRefused(str(exc), code=code) from None
        call = Call.objects.filter(pk=call_id).first()
        if call is None:
            raise NotFound("That call no longer exists.", code="CALL_NOT_FOUND")
        return success(StoredCallDetailSerializer(call).data)
