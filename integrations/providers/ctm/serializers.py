from rest_framework import serializers

from ctm_integration.api.fields import StrictCharField
from integrations.models import Key, UserConfig
from integrations.provider_fields import ProviderAccountIdField


class CtmIdField(ProviderAccountIdField):
    """A CTM account id: letters, digits, '_' or '-' (what can never change a CTM URL)."""

    default_error_messages = {"invalid": "Must be a CTM account id (letters, digits, '_' or '-')."}


class ConnectSerializer(serializers.Serializer):
    username = StrictCharField(max_length=255)
    password = StrictCharField(max_length=255, trim_whitespace=False, style={"input_type": "password"})


class KeySerializer(serializers.ModelSerializer):
    """Safe metadata only: never the password, access key or secret."""

    token = serializers.UUIDField(source="id", read_only=True)

    class Meta:
        model = Key
        fields = [
            "token",
            "username",
            "auth_scheme",
            "token_expires_at",
            "ctm_default_account_id",
            "token_invalidated",
            "invalidated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConfigInputSerializer(serializers.Serializer):
    token = StrictCharField(
        max_length=64, source="key_id", help_text="The key id of the CTM credentials to use (unknown: 404)."
    )
    account_id = CtmIdField()
    subaccount_id = CtmIdField(required=False, allow_blank=True, allow_null=True, default="")

    def validate_subaccount_id(self, value: str | None) -> str:
        return value or ""


class ConfigSerializer(serializers.ModelSerializer):
    token = serializers.UUIDField(source="key_id", read_only=True)
    account_id = serializers.CharField(source="calltracking_account_id", read_only=True)
    subaccount_id = serializers.CharField(source="calltracking_sub_account_id", read_only=True)

    class Meta:
        model = UserConfig
        fields = ["token", "account_id", "subaccount_id", "created_at", "updated_at"]
        read_only_fields = fields


class CtmAccountRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)


class ConfigResultSerializer(ConfigSerializer):
    ctm_account = CtmAccountRefSerializer(read_only=True, help_text="The CTM account, as CTM names it.")

    class Meta(ConfigSerializer.Meta):
        fields = [*ConfigSerializer.Meta.fields, "ctm_account"]
        read_only_fields = fields


class DisconnectResultSerializer(serializers.Serializer):
    # `global` is a Python keyword: declared in get_fields, like DisconnectQuerySerializer's.
    config_deleted = serializers.BooleanField()
    credentials_deleted = serializers.IntegerField(help_text="How many credentials were removed.")
    credentials_preserved = serializers.IntegerField(help_text="Kept because an active campaign uses them.")
    campaigns_disabled = serializers.IntegerField()
    webhooks_disabled = serializers.IntegerField(
        help_text="Webhook endpoints closed (410 from now on) and removed at CTM"
    )

    def get_fields(self) -> dict:
        return {"global": serializers.BooleanField(), **super().get_fields()}


class DisconnectQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        # `global` is a Python keyword, so the field cannot be declared as a class attribute.
        return {"global": serializers.BooleanField(required=False, default=False)}
