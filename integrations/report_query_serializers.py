"""Query-string inputs of every call report (a CTM account's, a campaign's): the local days it covers
and the chart's interval, validated into typed values (400s name the field)."""

from datetime import date, timedelta

from django.utils import timezone
from rest_framework import serializers

from integrations.call_selectors import MAX_HOURLY_DAYS, Interval
from integrations.rollups import zone

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


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
