"""Recording notifications. Delivery channels (push, email) build on these rows."""

from typing import Any

from accounts.models import Account
from accounts.selectors import account_owners
from notifications.models import Event, Notification


def notification_record(*, event: Event, account: Account, context: dict[str, Any]) -> list[Notification]:
    """One notification per recipient: the account's owners and, for a sub-account, the parent's owners."""
    payload = {"account_id": str(account.id), "account_name": account.name, **context}
    return Notification.objects.bulk_create(
        Notification(account=account, recipient=owner, event=event, context=payload)
        for owner in account_owners(account=account)
    )
