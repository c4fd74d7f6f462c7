"""The API's shapes for outbound webhooks: what clients send (closed: unknown keys are a 400) and
what they get back (auth values never; the signing secret only in the answer to the creation)."""

from rest_framework import serializers

from ctm_integration.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
)
from ctm_integration.api.pagination import PageQuerySerializer
from ctm_integration.api.serializers import ClosedSerializer
from integrations.phone_numbers import E164
from integrations.providers.registry import provider_choices
from outbound.models import OutboundDelivery, OutboundWebhook
from outbound.triggers import AUTH_TYPE_CHOICES, BODY_TYPE_CHOICES, METHOD_CHOICES, TRIGGER_CHOICES, AuthType

HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"
CONTENT_TYPE = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(;[^\u0000]*)?$"


def _strings(child, **kwargs) -> serializers.ListField:
    return serializers.ListField(child=child, required=False, max_length=100, **kwargs)


class OutboundFiltersSerializer(ClosedSerializer):
    """Every key given must match; an omitted key (or an empty list, or 0) matches everything."""

    tracking_source = _strings(StrictCharField(max_length=200), help_text="Source names (any of)")
    tracking_number = _strings(StrictRegexField(E164.pattern), help_text="E.164 tracking numbers (any of)")
    tag = _strings(StrictCharField(max_length=100), help_text="Call tags (any of)")
    min_talk_time = StrictIntegerField(min_value=0, required=False, help_text="Seconds")
    min_total_time = StrictIntegerField(min_value=0, required=False, help_text="Seconds")
    campaign_id = _strings(StrictUUIDField(), help_text="Campaigns of this account (any of)")
    provider = _strings(serializers.ChoiceField(choices=[]), help_text="Provider slugs (any of)")
    direction = serializers.ChoiceField(choices=["inbound", "outbound"], required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].child.choices = provider_choices()


class OutboundAuthInputSerializer(ClosedSerializer):
    """`{"type": "none"}`, `{"type": "basic", "username", "password"}` or
    `{"type": "header", "header_name", "header_value"}`. Write-only: never shown again."""

    type = serializers.ChoiceField(choices=AUTH_TYPE_CHOICES)
    username = StrictCharField(max_length=255, required=False)
    password = StrictCharField(max_length=255, required=False, trim_whitespace=False)
    header_name = StrictRegexField(HEADER_NAME, required=False)
    header_value = StrictCharField(max_length=1000, required=False, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        kind = attrs.get("type")  # a PATCH's partial validation reaches nested serializers too
        if kind is None:
            raise serializers.ValidationError({"type": "This field is required."})
        if kind == AuthType.BASIC and not (attrs.get("username") and attrs.get("password")):
            raise serializers.ValidationError("Basic auth needs a username and a password.")
        if kind == AuthType.HEADER and not (attrs.get("header_name") and attrs.get("header_value")):
            raise serializers.ValidationError("Header auth needs a header_name and a header_value.")
        return attrs


class OutboundWebhookInputSerializer(ClosedSerializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    active = StrictBooleanField(required=False)
    url = StrictCharField(max_length=2000, help_text="http(s); mustache tokens allowed in the path and query")
    method = serializers.ChoiceField(choices=METHOD_CHOICES, required=False, help_text="GET: pixels only")
    trigger = serializers.ChoiceField(choices=TRIGGER_CHOICES)
    keywords = _strings(StrictCharField(max_length=100), help_text="The keyword trigger's words")
    body_type = serializers.ChoiceField(choices=BODY_TYPE_CHOICES, required=False)
    body_template = StrictCharField(
        max_length=20000, required=False, allow_blank=True, trim_whitespace=False, help_text="mustache: the body"
    )
    content_type = StrictRegexField(CONTENT_TYPE, max_length=100, required=False, help_text="mustache bodies")
    filters = OutboundFiltersSerializer(required=False)
    auth = OutboundAuthInputSerializer(required=False, help_text="Stored encrypted; never shown again")


class OutboundWebhookUpdateSerializer(OutboundWebhookInputSerializer):
    """Any of the creation's fields; `auth`, when given, replaces the stored credentials."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, partial=True, **kwargs)


class OutboundReactivateSerializer(ClosedSerializer):
    rerun_failed = StrictBooleanField(required=False, help_text="Send again what failed while it was down")


class OutboundDeliveriesQuerySerializer(ClosedSerializer, PageQuerySerializer):
    status = serializers.ChoiceField(choices=OutboundDelivery.Status.choices, required=False)


# --- answers ------------------------------------------------------------------------------------------


class OutboundAuthShownSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AUTH_TYPE_CHOICES)
    header_name = serializers.CharField(required=False, help_text="header: which header carries the value")


class OutboundLastFailureSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    error = serializers.CharField()


class OutboundWebhookSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    active = serializers.BooleanField(help_text="The account's own switch")
    status = serializers.ChoiceField(choices=OutboundWebhook.Status.choices, help_text="Ours: see /reactivate")
    url = serializers.CharField()
    method = serializers.ChoiceField(choices=METHOD_CHOICES)
    trigger = serializers.ChoiceField(choices=TRIGGER_CHOICES)
    keywords = serializers.ListField(child=serializers.CharField())
    body_type = serializers.ChoiceField(choices=BODY_TYPE_CHOICES)
    body_template = serializers.CharField()
    content_type = serializers.CharField()
    filters = serializers.DictField()
    auth = OutboundAuthShownSerializer()
    last_failure = OutboundLastFailureSerializer(allow_null=True)
    deactivated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OutboundWebhookCreatedSerializer(OutboundWebhookSerializer):
    signing_secret = serializers.CharField(help_text="Standard Webhooks whsec_ secret: shown once, now")


class OutboundAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    method = serializers.CharField()
    url = serializers.CharField(help_text="As requested, credentials removed")
    status_code = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(help_text="The first 2 KiB of the answer")
    error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class OutboundTestAttemptSerializer(OutboundAttemptSerializer):
    delivery_id = serializers.IntegerField()


class OutboundDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trigger = serializers.CharField()
    status = serializers.ChoiceField(choices=OutboundDelivery.Status.choices)
    test = serializers.BooleanField()
    call_id = serializers.IntegerField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    lead_id = serializers.IntegerField(allow_null=True)
    attempt_count = serializers.IntegerField(help_text="In this round (a rerun starts a new one)")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    attempts = OutboundAttemptSerializer(many=True)


class OutboundReactivatedMetaSerializer(serializers.Serializer):
    rerun = serializers.IntegerField(help_text="Deliveries sent again")
