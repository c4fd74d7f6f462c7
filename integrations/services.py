"""Writes for credentials, configs and campaigns. Network calls happen before any transaction opens."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import Account
from integrations.models import Campaign, Key, Provider, UserConfig, WebhookEndpoint
from integrations.providers.ctm.client import CtmClient
from integrations.selectors import active_ctm_campaigns, keys_for_account
from integrations.webhooks.lookup_cache import lookups_changed
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
            context={"integration": Provider.CTM.value, "token": str(key.id), "reconnected": existing is not None},
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
            notification_record(
                event=Event.TOKEN_INVALIDATED, account=account, context={"integration": Provider.CTM.value}
            )
    return count


def config_save(
    *, account: Account, key: Key, calltracking_account_id: str, calltracking_sub_account_id: str = ""
) -> UserConfig:
    """The account's one live config, created or replaced."""
    with transaction.atomic():
        config = UserConfig.objects.alive().select_for_update().filter(account=account).first()
        config = config or UserConfig(account=account)
        config.key = key
        config.calltracking_account_id = calltracking_account_id
        config.calltracking_sub_account_id = calltracking_sub_account_id
        config.save()
    return config


@dataclass(frozen=True)
class Disconnection:
    global_delete: bool
    configs_deleted: int
    keys_deleted: int
    keys_preserved: int
    campaigns_disabled: int
    endpoints_closed: tuple[WebhookEndpoint, ...] = ()

    @property
    def anything_removed(self) -> bool:
        return bool(self.configs_deleted or self.keys_deleted or self.campaigns_disabled or self.endpoints_closed)


@transaction.atomic
def integration_disconnect(*, account: Account, user: AbstractUser | None, global_delete: bool) -> Disconnection:
    """Remove the account's CTM connection, preserving credentials that active campaigns still use.

    - global: disable the account's CTM campaigns and webhook endpoints (their deliveries are refused
      from now on), soft-delete its config and credentials;
    - otherwise: soft-delete the config; the credentials too, unless an active campaign uses them.
    Removing the endpoints' webhooks at CTM is the caller's (after this commits, best effort).
    """
    now = timezone.now()
    keys = keys_for_account(account=account)
    campaigns_disabled = 0
    endpoints_closed: tuple[WebhookEndpoint, ...] = ()
    if global_delete:
        campaigns_disabled = (
            Campaign.objects.filter(account=account, integration=Provider.CTM)
            .exclude(status=Campaign.Status.DISABLED)
            .update(status=Campaign.Status.DISABLED, updated_at=now)
        )
        endpoints = WebhookEndpoint.objects.select_related("key").filter(
            account=account, provider=Provider.CTM, status=WebhookEndpoint.Status.ACTIVE
        )
        endpoints_closed = tuple(endpoints.select_for_update(of=("self",)))
        WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints_closed]).update(
            status=WebhookEndpoint.Status.DISABLED, updated_at=now
        )
        preserve = False
    else:
        preserve = active_ctm_campaigns(account=account).exists()
    configs_deleted = UserConfig.objects.alive().filter(account=account).update(deleted=now, updated_at=now)
    keys_preserved = keys.count() if preserve else 0
    keys_deleted = 0 if preserve else keys.update(deleted=now, updated_at=now)
    result = Disconnection(
        global_delete=global_delete,
        configs_deleted=configs_deleted,
        keys_deleted=keys_deleted,
        keys_preserved=keys_preserved,
        campaigns_disabled=campaigns_disabled,
        endpoints_closed=endpoints_closed,
    )
    lookups_changed()  # the bulk updates above bypass the models' save()
    if result.anything_removed:
        notification_record(
            event=Event.INTEGRATION_DISCONNECTED,
            account=account,
            context={
                "integration": Provider.CTM.value,
                "global": global_delete,
                "credentials_preserved": preserve,
                "by": getattr(user, "email", "") or "",
            },
        )
    return result


def campaign_create(*, account: Account, **fields: Any) -> Campaign:
    campaign = Campaign(account=account, **fields)
    campaign.full_clean()
    campaign.save()
    return campaign


def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    campaign.delete()
