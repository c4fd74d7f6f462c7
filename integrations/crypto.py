"""Field encryption housekeeping: the canary, key rotation, and test-time key changes.

django-encrypted-model-fields builds its Fernet once at import and, given a wrong key, silently
hands back ciphertext. So we keep one known plaintext encrypted (the canary) and check it at start,
and we re-encrypt explicitly when keys rotate.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.functions import Cast
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from encrypted_model_fields import fields as encrypted_fields

from integrations.models import EncryptionCanary


def crypter():
    return encrypted_fields.CRYPTER


@receiver(setting_changed)
def _rebuild_crypter(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEY":
        encrypted_fields.CRYPTER = encrypted_fields.get_crypter()


def encrypted_columns() -> Iterator[tuple[type[models.Model], str]]:
    """Every (model, field name) stored through an encrypted field, in every installed app."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, encrypted_fields.EncryptedMixin):
                yield model, field.name


def raw_values(model: type[models.Model], field_name: str) -> models.QuerySet:
    """(pk, ciphertext) pairs: a cast to text skips the field's silent decryption."""
    return (
        model._default_manager.exclude(**{field_name: None})
        .annotate(raw=Cast(field_name, output_field=models.TextField()))
        .values_list("pk", "raw")
    )


def decrypts(ciphertext: str) -> bool:
    try:
        crypter().decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def canary_ensure() -> None:
    if not EncryptionCanary.objects.exists():
        EncryptionCanary.objects.create(value=EncryptionCanary.PLAINTEXT)


@receiver(post_migrate)
def _create_canary(*, app_config, **kwargs) -> None:
    if app_config.name == "integrations":
        canary_ensure()


@dataclass(frozen=True)
class RotationResult:
    values: int
    columns: int


class UndecryptableData(Exception):
    pass


@transaction.atomic
def reencrypt_all() -> RotationResult:
    """Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEY.

    Nothing is written unless every value decrypts with one of the configured keys.
    """
    plan: list[tuple[type[models.Model], str, object, str]] = []
    for model, field_name in encrypted_columns():
        for pk, ciphertext in raw_values(model, field_name).select_for_update():
            try:
                plaintext = crypter().decrypt(ciphertext.encode()).decode()
            except InvalidToken:
                raise UndecryptableData(
                    f"{model._meta.label}.{field_name} (pk={pk}) does not decrypt with any configured key"
                ) from None
            plan.append((model, field_name, pk, plaintext))
    for model, field_name, pk, plaintext in plan:
        model._default_manager.filter(pk=pk).update(**{field_name: plaintext})
    return RotationResult(values=len(plan), columns=len({(m, f) for m, f, _, _ in plan}))
