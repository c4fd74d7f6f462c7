"""Startup check: the configured FIELD_ENCRYPTION_KEY must decrypt what is already stored."""

from django.core.checks import Error, register
from django.db import DatabaseError

from integrations.crypto import decrypts, encrypted_columns, raw_values

SAMPLE_PER_COLUMN = 3


@register("security")
def check_encryption_key(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    try:
        for model, field_name in encrypted_columns():
            for _pk, ciphertext in raw_values(model, field_name).order_by("-pk")[:SAMPLE_PER_COLUMN]:
                if not decrypts(ciphertext):
                    errors.append(
                        Error(
                            f"FIELD_ENCRYPTION_KEY cannot decrypt {model._meta.label}.{field_name}.",
                            hint=(
                                "Set FIELD_ENCRYPTION_KEY to the key the data was written with. To move to a new "
                                "key, list it first and keep the old one after it (NEW,OLD), then run "
                                "`python manage.py rotate_encryption_key`."
                            ),
                            id="integrations.E001",
                        )
                    )
                    break
    except DatabaseError:
        # Not migrated yet (or no database reachable): nothing stored that could fail to decrypt.
        return []
    return errors
