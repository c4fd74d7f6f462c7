"""Query-string inputs of the CTM data endpoints, validated into typed values (400s name the field)."""

from datetime import date, timedelta

from django.utils import timezone
from rest_framework import serializers

from ctm_integration.api.fields import StrictCharField
from integrations.call_selectors import MAX_HOURLY_DAYS, Interval
from integrations.providers.ctm.client import MAX_PER_PAGE
from integrations.providers.ctm.normalize import CTM_DIAL_STATUSES
from integrations.rollups import zone

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


class PageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_PER_PAGE, default=20)


class DateRangeSerializer(serializers.Serializer):
    """`start_date` / `end_date` (YYYY-MM-DD, the account's local days); default: the last 30 days."""

    start_date = serializers.DateField(
        required=False, help_text=f"Default: {DEFAULT_RANGE_DAYS} days before end_date. At most {MAX_RANGE_DAYS} days."
    )
    end_date = serializers.DateField(required=False, help_text="Default: today. On or after start_date.")

    def validate(self, attrs: dict) -> dict:
        today = timezone.now().astimezone(zone(self.context["timezone"])).date()
        end: date = attrs.get("end_date") or today
        start: date = attrs.get("start_date") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"end_date": "Must be on or after start_date."})
        if (end - start).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError({"start_date": f"The range may cover at most {MAX_RANGE_DAYS} days."})
        return {**attrs, "start_date": start, "end_date": end}


class ChartQuerySerializer(DateRangeSerializer):
    interval = serializers.ChoiceField(
        choices=[i.value for i in Interval],
        default=Interval.DAY.value,
        help_text=f"`hour` covers at most {MAX_HOURLY_DAYS} days.",
    )

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        days = (attrs["end_date"] - attrs["start_date"]).days + 1
        if attrs["interval"] == Interval.HOUR and days > MAX_HOURLY_DAYS:
            raise serializers.ValidationError(
                {"interval": f"Hourly charts cover at most {MAX_HOURLY_DAYS} days; use day or week."}
            )
        return {**attrs, "interval": Interval(attrs["interval"])}


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
