"""Disconnecting CTM from an account: our side first (in one transaction), then CTM's, best effort."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from integrations.models import Campaign, UserConfig, WebhookEndpoint
from integrations.providers.ctm.normalize import SLUG
from integrations.providers.ctm.webhook_registration import webhook_endpoints_unregister
from integrations.selectors import campaigns_for_account, keys_for_account
from integrations.webhooks.lookup_cache import lookups_changed
from notifications.models import Event
from notifications.services import notification_record


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


def active_ctm_campaigns(*, account: Account) -> QuerySet[Campaign]:
    """Active CTM campaigns that use one of the account's live credentials."""
    return campaigns_for_account(account=account).filter(
        integration=SLUG,
        status=Campaign.Status.ACTIVE,
        key__in=keys_for_account(account=account),
    )


@dataclass(frozen=True)
class DisconnectionPreview:
    """What a global disconnect of one account would disable and remove (for a confirmation page)."""

    account: Account
    campaigns: list[Campaign]
    endpoints: list[WebhookEndpoint]
    credentials: int
    configs: int


def global_disconnect_preview(*, account: Account) -> DisconnectionPreview:
    """The same rows `integration_disconnect(global_delete=True)` changes, read without changing them."""
    return DisconnectionPreview(
        account=account,
        campaigns=list(
            Campaign.objects.filter(account=account, integration=SLUG)
            .exclude(status=Campaign.Status.DISABLED)
            .order_by("name")
        ),
        endpoints=list(
            WebhookEndpoint.objects.filter(account=account, provider=SLUG, status=WebhookEndpoint.Status.ACTIVE)
        ),
        credentials=keys_for_account(account=account).count(),
        configs=UserConfig.objects.alive().filter(account=account, provider=SLUG).count(),
    )


@transaction.atomic
def integration_disconnect(*, account: Account, user: AbstractUser | None, global_delete: bool) -> Disconnection:
    """Remove the account's CTM connection, preserving credentials that active campaigns still use.

    - global: disable the account's CTM campaigns and webhook endpoints (their deliveries are refused
      from now on), soft-delete its config and credentials;
    - otherwise: soft-delete the config; the credentials too, unless an active campaign uses them.
    Removing the endpoints' webhooks at CTM is the caller's (after this commits, best effort).
    Other providers' campaigns, endpoints and configs are left as they are.
    """
    now = timezone.now()
    keys = keys_for_account(account=account)
    campaigns_disabled = 0
    endpoints_closed: tuple[WebhookEndpoint, ...] = ()
    if global_delete:
        campaigns_disabled = (
            Campaign.objects.filter(account=account, integration=SLUG)
            .exclude(status=Campaign.Status.DISABLED)
            .update(status=Campaign.Status.DISABLED, updated_at=now)
        )
        endpoints = WebhookEndpoint.objects.select_related("key").filter(
            account=account, provider=SLUG, status=WebhookEndpoint.Status.ACTIVE
        )
        endpoints_closed = tuple(endpoints.select_for_update(of=("self",)))
        WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints_closed]).update(
            status=WebhookEndpoint.Status.DISABLED, updated_at=now
        )
        preserve = False
    else:
        preserve = active_ctm_campaigns(account=account).exists()
    configs_deleted = (
        UserConfig.objects.alive().filter(account=account, provider=SLUG).update(deleted=now, updated_at=now)
    )
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
                "integration": SLUG,
                "global": global_delete,
                "credentials_preserved": preserve,
                "by": getattr(user, "email", "") or "",
            },
        )
    return result


def ctm_disconnect(*, account: Account, user: AbstractUser | None, global_delete: bool) -> Disconnection:
    """`integration_disconnect`, then (global) the closed endpoints' webhooks removed at CTM, outside
    any transaction; CTM being unreachable never fails the disconnect."""
    result = integration_disconnect(account=account, user=user, global_delete=global_delete)
    webhook_endpoints_unregister(endpoints=result.endpoints_closed)
    return result
