"""The start-up check against a wrong FIELD_ENCRYPTION_KEY, and key rotation."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from integrations.checks import check_encryption_key
from integrations.crypto import canary_ensure, raw_values
from integrations.models import EncryptionCanary, Key
from tests.conftest import connect_ctm, load_fixture

pytestmark = pytest.mark.django_db


def test_the_check_passes_with_the_right_key_and_fails_clearly_with_another(api, ctm, settings):
    canary_ensure()
    connect_ctm(api, ctm)
    assert check_encryption_key() == []

    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    errors = check_encryption_key()
    assert {e.id for e in errors} == {"integrations.E001"}
    assert any("integrations.Key.password" in e.msg for e in errors)
    assert any("integrations.EncryptionCanary.value" in e.msg for e in errors)
    # Without the check, the library would hand back ciphertext as if it were the secret:
    assert Key.objects.get().secret.startswith("gAAAA")


def test_migrate_leaves_a_canary_that_decrypts():
    canary = EncryptionCanary.objects.get()
    assert canary.value == EncryptionCanary.PLAINTEXT


def test_rotation_reencrypts_every_secret_under_the_first_key(api, ctm, settings):
    connect_ctm(api, ctm)
    old_keys = list(settings.FIELD_ENCRYPTION_KEY)
    new_key = Fernet.generate_key().decode()
    before = dict(raw_values(Key, "secret"))

    settings.FIELD_ENCRYPTION_KEY = [new_key, *old_keys]
    out = StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "Re-encrypted" in out.getvalue()
    assert dict(raw_values(Key, "secret")) != before

    settings.FIELD_ENCRYPTION_KEY = [new_key]  # the old key is gone: everything still decrypts
    assert check_encryption_key() == []
    assert Key.objects.get().secret == load_fixture("ctm", "authentication__access_keys")["secret"]
    assert EncryptionCanary.objects.get().value == EncryptionCanary.PLAINTEXT


def test_rotation_changes_nothing_when_a_value_cannot_be_decrypted(api, ctm, settings):
    connect_ctm(api, ctm)
    before = dict(raw_values(Key, "secret"))
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("rotate_encryption_key", stdout=StringIO())

    assert dict(raw_values(Key, "secret")) == before
