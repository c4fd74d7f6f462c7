"""Reads, always scoped to an account."""

import uuid

from django.db.models import QuerySet

from accounts.models import Account
from integrations.models import Campaign, Key, WebhookEndpoint


def keys_for_account(*, account: Account) -> QuerySet[Key]:
    return Key.objects.alive().filter(account=account)


def key_for_account(*, account: Account, key_id: uuid.UUID | str) -> Key:
    """The account's live key with that id; `Key.DoesNotExist` for anyone else's, so callers answer 404.

    The CTM login it was made from (username, password) is read only if asked for: calling CTM needs
    the access key and secret alone, and each encrypted field costs a decryption."""
    try:
        key_uuid = uuid.UUID(str(key_id))
    except ValueError:
        raise Key.DoesNotExist(f"No key {key_id!r}.") from None
    return keys_for_account(account=account).defer("username", "password").get(pk=key_uuid)


def key_rows_for_account(*, account: Account, key_id: uuid.UUID | str) -> QuerySet[Key]:
    """The account's live key with that id as a query (empty for anyone else's, or a malformed id),
    for a caller that reads more in the same query."""
    try:
        key_uuid = uuid.UUID(str(key_id))
    except ValueError:
        return Key.objects.none()
    return keys_for_account(account=account).filter(pk=key_uuid)


def campaigns_for_account(*, account: Account) -> QuerySet[Campaign]:
    return Campaign.objects.filter(account=account).select_related("key")


def webhook_endpoints_for_account(*, account: Account) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(account=account).select_related("campaign")
