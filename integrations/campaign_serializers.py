from rest_framework import serializers

from integrations.models import Campaign, Key
from integrations.phone_numbers import to_e164
from integrations.providers.ctm.serializers import validate_ctm_id
from integrations.selectors import key_for_account


class CampaignSerializer(serializers.ModelSerializer):
    token = serializers.CharField(
        source="key", required=False, allow_null=True, help_text="The CTM credentials (key id) it uses."
    )
    ctm_account_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    tracking_numbers = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=500)

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

    def to_representation(self, instance: Campaign) -> dict:
        data = super().to_representation(instance)
        data["token"] = str(instance.key_id) if instance.key_id else None
        return data

    def validate_token(self, value: str | None) -> Key | None:
        if not value:
            return None
        try:
            return key_for_account(account=self.context["account"], key_id=value)
        except Key.DoesNotExist:
            raise serializers.ValidationError("No CTM credentials with that token in this account.") from None

    def validate_ctm_account_id(self, value: str) -> str:
        return validate_ctm_id(value) if value else ""

    def validate_tracking_numbers(self, values: list[str]) -> list[str]:
        numbers, errors = [], []
        for raw in values:
            try:
                numbers.append(to_e164(raw))
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise serializers.ValidationError(errors)
        return sorted(set(numbers))
