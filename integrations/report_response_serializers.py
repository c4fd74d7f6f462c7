"""What every call report (a CTM account's, a campaign's) answers in `data`, for the API schema: the
selectors in integrations.call_selectors build these dicts."""

from rest_framework import serializers

from integrations.events import CallStatus


class DurationTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Seconds")
    average = serializers.FloatField(help_text="Seconds per call")


class TalkTimeTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Seconds")
    average_per_answered = serializers.FloatField(help_text="Seconds per answered call")


class CallsByStatusSerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        return {status.value: serializers.IntegerField() for status in CallStatus}


class CallsBySourceSerializer(serializers.Serializer):
    source = serializers.CharField(allow_blank=True)
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()


class CallSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    missed = serializers.IntegerField(help_text="Missed and canceled calls.")
    answer_rate = serializers.FloatField(help_text="answered / (total - in progress), 0 to 1.")
    duration = DurationTotalsSerializer()
    talk_time = TalkTimeTotalsSerializer()
    first_time_callers = serializers.IntegerField()
    by_status = CallsByStatusSerializer()
    by_source = CallsBySourceSerializer(many=True)


class ChartBucketSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The bucket's start, in the account's time zone.")
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    missed = serializers.IntegerField()
    duration = serializers.IntegerField(help_text="Seconds")
