"""What the CTM endpoints answer in `data` (and `meta`), for the API schema: the views build these dicts.
Summary and chart answer what every call report answers: integrations.report_response_serializers."""

from rest_framework import serializers

from integrations.events import CallDirection, CallStatus
from integrations.models import WebhookEndpoint
from integrations.providers.ctm.normalize import WEBHOOK_EVENTS


class CtmAccountSerializer(serializers.Serializer):
    """A CTM account as CTM describes it; CTM's other fields (status, agency_id, timezone_hint...) pass through."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class CallSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="CTM's call id.")
    started_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=[s.value for s in CallStatus])
    ctm_status = serializers.CharField(allow_blank=True, help_text="CTM's own dial status.")
    direction = serializers.ChoiceField(choices=[d.value for d in CallDirection])
    tracking_number = serializers.CharField(allow_blank=True)
    caller_number = serializers.CharField(allow_blank=True)
    caller_name = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    state = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)
    duration = serializers.IntegerField(help_text="Seconds")
    talk_time = serializers.IntegerField(help_text="Seconds")
    first_time_caller = serializers.BooleanField()
    recording_url = serializers.CharField(allow_blank=True)


class CallsMetaSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    timezone = serializers.CharField(help_text="The account's time zone: dates are its local days.")
    last_synced_at = serializers.DateTimeField(allow_null=True, help_text="When the calls were last synced from CTM.")
    source = serializers.ChoiceField(choices=["local"], help_text="Read from the local call store, never CTM.")


class ChartMetaSerializer(CallsMetaSerializer):
    interval = serializers.ChoiceField(choices=["hour", "day", "week"])


class TrackerNumberSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    formatted = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)


class TrackerSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    referring_url = serializers.CharField(allow_blank=True)
    landing_url = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField(allow_null=True)
    online = serializers.BooleanField()
    numbers = TrackerNumberSerializer(many=True)


class TrackerDeletedSerializer(serializers.Serializer):
    id = serializers.CharField()
    deleted = serializers.BooleanField()
    numbers_released = serializers.IntegerField()


class WebhookSerializer(serializers.Serializer):
    webhook_id = serializers.UUIDField()
    url = serializers.URLField(help_text="Where CTM delivers (our endpoint).")
    events = serializers.ListField(child=serializers.ChoiceField(choices=[e.value for e in WEBHOOK_EVENTS]))
    status = serializers.ChoiceField(choices=WebhookEndpoint.Status.choices)
    campaign_id = serializers.UUIDField(allow_null=True)
    calltracking_account_id = serializers.CharField()
    ctm_webhook_ids = serializers.DictField(child=serializers.CharField(), help_text="CTM's webhook id per event.")
    signature_required = serializers.BooleanField()
    created_at = serializers.DateTimeField()
