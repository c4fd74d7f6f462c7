"""Query-string inputs of the CTM data endpoints, validated into typed values (400s name the field).
Summary and chart take the inputs every call report takes: integrations.report_query_serializers."""

from rest_framework import serializers

from ctm_integration.api.fields import StrictCharField
from integrations.providers.ctm.client import MAX_PER_PAGE
from integrations.providers.ctm.normalize import CTM_DIAL_STATUSES


class PageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_PER_PAGE, default=20)


class CallListQuerySerializer(PageSerializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, help_text="On or after start_date.")
    status = serializers.ChoiceField(choices=sorted(CTM_DIAL_STATUSES), required=False)
    direction = serializers.ChoiceField(choices=["inbound", "outbound"], required=False)
    source = StrictCharField(max_length=200, required=False)
    search = StrictCharField(max_length=100, required=False, help_text="Caller or tracking number, or text")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("start_date") and attrs.get("end_date") and attrs["start_date"] > attrs["end_date"]:
            raise serializers.ValidationError({"end_date": "Must be on or after start_date."})
        return attrs
