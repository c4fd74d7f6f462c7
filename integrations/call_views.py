"""Calls from every provider, read from the local call store: GET /v1/calls and GET /v1/calls/<id>;
what people edit by hand on a call (tags, sale value, notes): PATCH /v1/calls/<id>."""

from datetime import UTC, datetime, time, timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import AccountScopedMixin
from ctm_integration.api.envelope import success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.fields import StrictCharField, StrictDecimalStringField
from ctm_integration.api.pagination import EnvelopePagination
from ctm_integration.api.schema import envelope
from ctm_integration.api.serializers import ClosedSerializer
from integrations.call_edits import MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, call_edit
from integrations.models import Call
from integrations.providers.registry import provider_choices
from integrations.rollups import zone


class CallsQuerySerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=[], required=False)
    campaign_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)
    start_date = serializers.DateField(required=False, help_text="The account's local day (inclusive)")
    end_date = serializers.DateField(required=False, help_text="The account's local day (inclusive)")
    page = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=EnvelopePagination.max_page_size, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("start_date") and attrs.get("end_date") and attrs["start_date"] > attrs["end_date"]:
            raise serializers.ValidationError({"end_date": "Must be on or after start_date."})
        return attrs


class StoredCallSerializer(serializers.ModelSerializer):
    """A call as every provider's calls are stored: statuses, E.164 numbers, seconds, UTC times."""

    status = serializers.ChoiceField(choices=Call.Status.choices)
    direction = serializers.ChoiceField(choices=Call.Direction.choices)
    started_at = serializers.DateTimeField(format="%Y-%m-%dT%H:%M:%SZ", default_timezone=UTC)
    tags = serializers.ListField(child=serializers.CharField(), help_text="Labels people gave the call")
    sale_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text='What the call sold, e.g. "1250.00"; null: no sale'
    )
    notes = serializers.CharField(help_text="People's notes about the call")

    class Meta:
        model = Call
        fields = [
            "id",
            "provider",
            "provider_call_id",
            "campaign_id",
            "status",
            "direction",
            "started_at",
            "duration",
            "talk_time",
            "caller_number",
            "tracking_number",
            "caller_name",
            "source",
            "tags",
            "sale_value",
            "notes",
        ]


class CallEventSerializer(serializers.Serializer):
    delivery_id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    event = serializers.CharField(help_text="The provider's event, as delivered")
    status = serializers.CharField(help_text="What became of the delivery")


class StoredCallDetailSerializer(StoredCallSerializer):
    recording_url = serializers.CharField(help_text="The recording's URL, or empty when there is none")
    timeline = serializers.SerializerMethodField(help_text="The deliveries that made the call what it is, in order")

    class Meta(StoredCallSerializer.Meta):
        fields = [
            *StoredCallSerializer.Meta.fields,
            "provider_account_id",
            "is_first_time_caller",
            "caller_location",
            "recording_url",
            "transcript",
            "voicemail",
            "keywords",
            "scoring",
            "attribution",
            "normalization_notes",
            "timeline",
        ]

    @extend_schema(responses=CallEventSerializer(many=True))
    def get_timeline(self, call: Call) -> list[dict]:
        deliveries = call.deliveries.order_by("received_at", "pk").values("pk", "received_at", "event", "status")
        return [
            {"delivery_id": d["pk"], "received_at": d["received_at"], "event": d["event"], "status": d["status"]}
            for d in deliveries
        ]


class CallEditSerializer(ClosedSerializer):
    """What people edit by hand; each field is optional, and what is not sent stays as it is."""

    tags = serializers.ListField(
        child=StrictCharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        help_text=f"Replaces the call's tags: at most {MAX_TAGS}, each at most {MAX_TAG_LENGTH} characters; "
        "trimmed, each kept once",
    )
    sale_value = StrictDecimalStringField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text='What the call sold, a decimal >= 0 written as a string ("1250" or "1250.00"); null clears it',
        error_messages={"invalid": 'Must be a decimal >= 0 written as a string, e.g. "1250.00".'},
    )
    notes = StrictCharField(
        allow_blank=True, max_length=MAX_NOTES_LENGTH, required=False, help_text="Replaces the call's notes"
    )


def calls_for_account(*, account, query: dict):
    calls = Call.objects.filter(account=account)
    for name in ("provider", "campaign_id", "status"):
        if query.get(name):
            calls = calls.filter(**{name: query[name]})
    tz = zone(account.timezone)
    if query.get("start_date"):
        calls = calls.filter(started_at__gte=datetime.combine(query["start_date"], time.min, tzinfo=tz))
    if query.get("end_date"):
        next_day = query["end_date"] + timedelta(days=1)
        calls = calls.filter(started_at__lt=datetime.combine(next_day, time.min, tzinfo=tz))
    return calls.order_by("-started_at", "-pk")


class CallsView(AccountScopedMixin, APIView):
    @extend_schema(
        operation_id="calls_list",
        parameters=[CallsQuerySerializer],
        responses=envelope(StoredCallSerializer(many=True), paginated=True),
        summary="Calls from every provider (the local call store)",
    )
    def get(self, request: Request) -> Response:
        query = CallsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = EnvelopePagination()
        page = paginator.paginate_queryset(
            calls_for_account(account=request.account, query=query.validated_data), request, view=self
        )
        return paginator.get_paginated_response(StoredCallSerializer(page, many=True).data)


class CallView(AccountScopedMixin, APIView):
    def get_call(self, call_id: int) -> Call:
        call = Call.objects.filter(account=self.request.account, pk=call_id).first()
        if call is None:
            raise NotFound("No call with that id.", code="CALL_NOT_FOUND")
        return call

    @extend_schema(
        responses=StoredCallDetailSerializer, summary="One call: recording, transcript, attribution, timeline"
    )
    def get(self, request: Request, call_id: int) -> Response:
        return success(StoredCallDetailSerializer(self.get_call(call_id)).data)

    @extend_schema(
        request=CallEditSerializer,
        responses=StoredCallDetailSerializer,
        summary="Edit what people edit by hand on a call: tags, sale value, notes",
    )
    def patch(self, request: Request, call_id: int) -> Response:
        call = self.get_call(call_id)
        payload = CallEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        call = call_edit(call=call, edited_by=request.user, **payload.validated_data)
        return success(StoredCallDetailSerializer(call).data)
