"""Trackers (a CTM tracking source with its numbers): list, read, create, update, delete."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ctm_integration.api.envelope import success
from ctm_integration.api.fields import StrictBooleanField, StrictCharField, StrictRegexField
from ctm_integration.api.schema import api_errors, envelope
from integrations.providers.ctm.access import ctm_session
from integrations.providers.ctm.base_views import CTM_KEY_ERRORS, CtmView, ctm_pagination
from integrations.providers.ctm.response_serializers import TrackerDeletedSerializer, TrackerSerializer
from integrations.providers.ctm.trackers import (
    NumberPurchase,
    tracker_create,
    tracker_delete,
    tracker_get,
    tracker_list,
    tracker_update,
)

MAX_TRACKERS_PER_PAGE = 50  # each tracker costs one more CTM call for its numbers


class TrackerPageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_TRACKERS_PER_PAGE, default=20)


class BuyNumberSerializer(serializers.Serializer):
    # An area code, unless a toll-free number is wanted (what `validate` checks, for the API schema).
    schema_rules = {
        "anyOf": [
            {"required": ["area_code"]},
            {"required": ["toll_free"], "properties": {"toll_free": {"type": "boolean", "enum": [True]}}},
        ]
    }

    area_code = StrictRegexField(r"^[0-9]{3}$", required=False, help_text="US/CA area code, e.g. 919")
    toll_free = StrictBooleanField(default=False)
    country_code = StrictRegexField(r"^[A-Z]{2}$", default="US")

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("toll_free") and not attrs.get("area_code"):
            raise serializers.ValidationError({"area_code": "Needed unless toll_free is true."})
        return attrs


class TrackerInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    referring_url = StrictCharField(max_length=500, required=False, allow_blank=True)
    landing_url = StrictCharField(max_length=500, required=False, allow_blank=True)
    online = StrictBooleanField(required=False)
    number_ids = serializers.ListField(
        child=StrictRegexField(r"^[A-Za-z0-9_-]{1,64}$"), required=False, max_length=20, default=list
    )


class TrackerCreateSerializer(TrackerInputSerializer):
    buy_number = BuyNumberSerializer(required=False, help_text="Search and buy a number for the tracker")


class TrackerDeleteQuerySerializer(serializers.Serializer):
    release_numbers = serializers.BooleanField(default=False)


def _source_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("number_ids", "buy_number")}


class CtmTrackersView(CtmView):
    @extend_schema(
        parameters=[TrackerPageSerializer],
        responses=envelope(TrackerSerializer(many=True), paginated=True),
        summary="Trackers of a CTM account",
        operation_id="ctm_trackers_list",
    )
    @api_errors(*CTM_KEY_ERRORS)
    def get(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        query = self.valid_query(TrackerPageSerializer)
        with ctm_session(key=self.get_key(key_id)) as ctm:
            trackers, body = tracker_list(ctm=ctm, account_id=ctm_account_id, page=query["page"], limit=query["limit"])
        return success(trackers, pagination=ctm_pagination(body, **query))

    @extend_schema(
        request=TrackerCreateSerializer,
        responses={201: TrackerSerializer},
        summary="Create a tracker (optionally buying a number)",
    )
    @api_errors((400, "NO_NUMBER_AVAILABLE"), *CTM_KEY_ERRORS)
    def post(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        payload = TrackerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = self.get_key(key_id)
        buy = NumberPurchase(**data["buy_number"]) if data.get("buy_number") else None
        with ctm_session(key=key) as ctm:
            tracker = tracker_create(
                ctm=ctm, account_id=ctm_account_id, fields=_source_fields(data), number_ids=data["number_ids"], buy=buy
            )
        return success(tracker, status=status.HTTP_201_CREATED)


class CtmTrackerView(CtmView):
    @extend_schema(responses=TrackerSerializer, summary="One tracker")
    @api_errors(*CTM_KEY_ERRORS)
    def get(self, request: Request, key_id: str, ctm_account_id: str, tracker_id: str) -> Response:
        with ctm_session(key=self.get_key(key_id)) as ctm:
            return success(tracker_get(ctm=ctm, account_id=ctm_account_id, tracker_id=tracker_id))

    @extend_schema(request=TrackerInputSerializer, responses=TrackerSerializer, summary="Update a tracker")
    @api_errors(*CTM_KEY_ERRORS)
    def put(self, request: Request, key_id: str, ctm_account_id: str, tracker_id: str) -> Response:
        payload = TrackerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        key = self.get_key(key_id)
        with ctm_session(key=key) as ctm:
            tracker = tracker_update(
                ctm=ctm,
                account_id=ctm_account_id,
                tracker_id=tracker_id,
                fields=_source_fields(payload.validated_data),
                number_ids=payload.validated_data["number_ids"],
            )
        return success(tracker)

    @extend_schema(
        parameters=[OpenApiParameter("release_numbers", bool, description="Also release its tracking numbers")],
        summary="Delete a tracker",
        request=None,
        responses={200: TrackerDeletedSerializer},
    )
    @api_errors(*CTM_KEY_ERRORS)
    def delete(self, request: Request, key_id: str, ctm_account_id: str, tracker_id: str) -> Response:
        query = self.valid_query(TrackerDeleteQuerySerializer)
        with ctm_session(key=self.get_key(key_id)) as ctm:
            released = tracker_delete(
                ctm=ctm, account_id=ctm_account_id, tracker_id=tracker_id, release_numbers=query["release_numbers"]
            )
        return success({"id": tracker_id, "deleted": True, "numbers_released": released})
