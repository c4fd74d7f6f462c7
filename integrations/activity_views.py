"""What providers send besides calls, read from the local stores: GET /v1/messages and GET /v1/leads,
of the caller's account only, filtered by provider and campaign, paginated in the envelope."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import AccountScopedMixin
from ctm_integration.api.pagination import EnvelopePagination, PageQuerySerializer
from ctm_integration.api.schema import envelope
from ctm_integration.api.serializers import ClosedSerializer
from integrations.models import Lead, Message
from integrations.providers.registry import provider_choices


class ActivityQuerySerializer(ClosedSerializer, PageQuerySerializer):
    """`?provider=&campaign_id=&page=&limit=`: anything else, or a value out of range, is a 400."""

    provider = serializers.ChoiceField(choices=[], required=False, help_text="A provider slug (GET /v1/providers)")
    campaign_id = serializers.UUIDField(required=False, help_text="Only this campaign's")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    provider_message_id = serializers.CharField()
    campaign_id = serializers.UUIDField(allow_null=True)
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    from_number = serializers.CharField(help_text="E.164")
    to_number = serializers.CharField(help_text="E.164")
    tracking_number = serializers.CharField(
        help_text="Ours: the receiver of an inbound text, the sender of an outbound"
    )
    body = serializers.CharField()
    sent_at = serializers.DateTimeField()


class LeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    provider_lead_id = serializers.CharField()
    campaign_id = serializers.UUIDField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone_number = serializers.CharField(help_text="E.164")
    form_name = serializers.CharField()
    fields = serializers.DictField(help_text="What the form asked, as submitted")
    source = serializers.CharField()
    attribution = serializers.DictField(child=serializers.CharField(), help_text="utm_*, gclid, referrer...")


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def message_representation(message: Message) -> dict:
    return {
        "id": message.pk,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "campaign_id": str(message.campaign_id) if message.campaign_id else None,
        "direction": message.direction,
        "from_number": message.from_number,
        "to_number": message.to_number,
        "tracking_number": message.tracking_number,
        "body": message.body,
        "sent_at": _iso(message.sent_at),
    }


def lead_representation(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "provider": lead.provider,
        "provider_lead_id": lead.provider_lead_id,
        "campaign_id": str(lead.campaign_id) if lead.campaign_id else None,
        "submitted_at": _iso(lead.submitted_at),
        "name": lead.name,
        "email": lead.email,
        "phone_number": lead.phone_number,
        "form_name": lead.form_name,
        "fields": lead.fields,
        "source": lead.source,
        "attribution": lead.attribution,
    }


class ActivityListView(AccountScopedMixin, APIView):
    model: type[Message | Lead]

    def listed(self, request: Request) -> list:
        query = ActivityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows: QuerySet = self.model.objects.filter(account=request.account)
        if query.validated_data.get("provider"):
            rows = rows.filter(provider=query.validated_data["provider"])
        if query.validated_data.get("campaign_id"):
            rows = rows.filter(campaign_id=query.validated_data["campaign_id"])
        self.paginator = EnvelopePagination()
        return self.paginator.paginate_queryset(rows, request, view=self)


class MessagesView(ActivityListView):
    model = Message

    @extend_schema(
        operation_id="messages_list",
        parameters=[ActivityQuerySerializer],
        responses=envelope(MessageSerializer(many=True), paginated=True),
        summary="Text messages from every provider, newest first",
    )
    def get(self, request: Request) -> Response:
        page = self.listed(request)
        return self.paginator.get_paginated_response([message_representation(m) for m in page])


class LeadsView(ActivityListView):
    model = Lead

    @extend_schema(
        operation_id="leads_list",
        parameters=[ActivityQuerySerializer],
        responses=envelope(LeadSerializer(many=True), paginated=True),
        summary="Form leads from every provider, newest first",
    )
    def get(self, request: Request) -> Response:
        page = self.listed(request)
        return self.paginator.get_paginated_response([lead_representation(lead) for lead in page])
