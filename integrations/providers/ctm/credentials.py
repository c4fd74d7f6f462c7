"""CTM credentials and config: connecting a CTM login, marking rejected keys, choosing the CTM account.

Network calls happen before any transaction opens.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Account
from integrations.models import Key, UserConfig
from integrations.providers.ctm.client import CtmClient
from integrations.providers.ctm.normalize import SLUG
from integrations.selectors import keys_for_account
from notifications.models import Event
from notifications.services import notification_record


@dataclass(frozen=True)
class KeyConnection:
    key: Key
    created: bool


@sensitive_variables("password", "auth")
def key_connect(
    *,
    account: Account,
    user: AbstractUser | None,
    username: str,
    password: str,
    client: CtmClient | None = None,
) -> KeyConnection:
    """Verify a CTM login at CTM, then store what CTM issued, encrypted.

    Connecting the same CTM username again refreshes that key and clears `token_invalidated`.
    Raises `CtmInvalidCredentials` when CTM refuses the login.
    """
    auth = (client or CtmClient()).authenticate(username=username, password=password)
    credentials = auth.credentials
    with transaction.atomic():
        same_login = (
            key
            for key in keys_for_account(account=account).select_for_update()
            if key.username.casefold() == username.casefold()
        )
        existing = next(same_login, None)
        key = existing or Key(account=account)
        key.connected_by = user if user is not None and user.is_authenticated else key.connected_by
        key.username = username
        key.password = password
        key.access_key = credentials.access_key
        key.secret = credentials.secret
        key.auth_scheme = credentials.scheme
        key.token_expires_at = auth.expires_at
        key.ctm_default_account_id = auth.default_account_id or key.ctm_default_account_id
        key.token_invalidated = False
        key.invalidated_at = None
        key.save()
        notification_record(
            event=Event.PROJECT_ADDED,
            account=account,
            context={"integration": SLUG, "token": str(key.id), "reconnected": existing is not None},
        )
    return KeyConnection(key=key, created=existing is None)


def key_invalidate_account(*, account: Account) -> int:
    """CTM answered 401: every key of the account is marked invalidated until the user reconnects."""
    now = timezone.now()
    with transaction.atomic():
        count = Key.objects.filter(account=account, token_invalidated=False).update(
            token_invalidated=True, invalidated_at=now, updated_at=now
        )
        if count:
            notification_record(event=Event.TOKEN_INVALIDATED, account=account, context={"integration": SLUG})
    return count


def config_save(
    *, account: Account, key: Key, calltracking_account_id: str, calltracking_sub_account_id: str = ""
) -> UserConfig:
    """The account's one live CTM config, created or replaced (other providers' configs are theirs)."""
    with transaction.atomic():
        config = UserConfig.objects.alive().select_for_update().filter(account=account, provider=SLUG).first()
        config = config or UserConfig(account=account, provider=SLUG)
        config.key = key
        config.calltracking_account_id = calltracking_account_id
        config.calltracking_sub_account_id = calltracking_sub_account_id
        config.save()
    return config
