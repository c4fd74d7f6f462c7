from django.db import models
from rest_framework import serializers

from ctm_integration.api.fields import StrictCharField, StrictRegexField, StrictUUIDField
from integrations.models import DEFAULT_PROVIDER, Campaign, Key
from integrations.phone_numbers import to_e164
from integrations.provider_fields import ProviderAccountIdField
from integrations.providers.registry import provider_choices
from integrations.selectors import key_for_account

# What `to_e164` reads as a number: 7 to 15 digits (the first not 0), with spaces, dots, dashes,
# brackets and a leading `+` around them, e.g. "(555) 987-6543", "+1 555 987 6543", "15551230000".
PHONE_NUMBER_INPUT = r"^ *\+?[ ().-]*[1-9](?:[ ().-]*[0-9]){6,14}[ ().-]*$"


class CampaignSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
    }

    integration = serializers.ChoiceField(
        choices=[], required=False, help_text=f"The provider whose calls it claims (default: {DEFAULT_PROVIDER})."
    )
    token = StrictUUIDField(
        source="key", required=False, allow_null=True, help_text="The CTM credentials (key id) it uses."
    )
    ctm_account_id = ProviderAccountIdField(required=False, allow_blank=True)
    tracking_numbers = serializers.ListField(
        child=StrictRegexField(PHONE_NUMBER_INPUT, max_length=32),
        required=False,
        max_length=500,
        help_text="Phone numbers, stored as E.164 (+15559876543).",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "integration",
            "token",
            "ctm_account_id",
            "tracking_numbers",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["integration"].choices = provider_choices()

    def to_representation(self, instance: Campaign) -> dict:
        data = super().to_representation(instance)
        data["token"] = str(instance.key_id) if instance.key_id else None
        return data

    def validate_token(self, value) -> Key | None:
        if value is None:
            return None
        try:
            return key_for_account(account=self.context["account"], key_id=value)
        except Key.DoesNotExist:
            raise serializers.ValidationError("No CTM credentials with that token in this account.") from None

    def validate_tracking_numbers(self, values: list[str]) -> list[str]:
        return sorted({to_e164(raw) for raw in values})
