import re

from rest_framework import serializers

from integrations.models import Key, UserConfig

CTM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_ctm_id(value: str) -> str:
    value = value.strip()
    if not CTM_ID.match(value):
        raise serializers.ValidationError("Must be a CTM account id (letters, digits, '_' or '-').")
    return value


class ConnectSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=255)
    password = serializers.CharField(max_length=255, trim_whitespace=False, style={"input_type": "password"})


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
    token = serializers.CharField(max_length=64)
    account_id = serializers.CharField(max_length=64, validators=[validate_ctm_id])
    subaccount_id = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True, default="")

    def validate_subaccount_id(self, value: str | None) -> str:
        return validate_ctm_id(value) if value else ""


class ConfigSerializer(serializers.ModelSerializer):
    token = serializers.UUIDField(source="key_id", read_only=True)
    account_id = serializers.CharField(source="calltracking_account_id", read_only=True)
    subaccount_id = serializers.CharField(source="calltracking_sub_account_id", read_only=True)

    class Meta:
        model = UserConfig
        fields = ["token", "account_id", "subaccount_id", "created_at", "updated_at"]
        read_only_fields = fields


class DisconnectQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict:
        # `global` is a Python keyword, so the field cannot be declared as a class attribute.
        return {"global": serializers.BooleanField(required=False, default=False)}
