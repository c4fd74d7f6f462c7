"""Serializer bases the API shares."""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class ClosedSerializer(serializers.Serializer):
    """Keys it does not declare are a 400 instead of being ignored; the API schema says so
    (`additionalProperties: false`, see ctm_integration.api.schema)."""

    unknown_key_message = "Unknown field."

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(map(str, data)) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [self.unknown_key_message] for key in unknown})
        return super().to_internal_value(data)
