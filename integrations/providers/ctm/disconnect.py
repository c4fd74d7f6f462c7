"""Disconnecting CTM from an account: our side first (in one transaction), then CTM's, best effort."""

from django.contrib.auth.models import AbstractUser

from accounts.models import Account
from integrations.providers.ctm.webhook_registration import webhook_endpoints_unregister
from integrations.services import Disconnection, integration_disconnect


def ctm_disconnect(*, account: Account, user: AbstractUser | None, global_delete: bool) -> Disconnection:
    """`integration_disconnect`, then (global) the closed endpoints' webhooks removed at CTM, outside
    any transaction; CTM being unreachable never fails the disconnect."""
    result = integration_disconnect(account=account, user=user, global_delete=global_delete)
    webhook_endpoints_unregister(endpoints=result.endpoints_closed)
    return result
