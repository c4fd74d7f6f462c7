"""Reads for accounts and people."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser
from django.db.models import QuerySet

from accounts.models import Account, Membership


def memberships_for_user(*, user: AbstractUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("account")


def memberships_with_user(*, user_lookup: dict) -> QuerySet[Membership]:
    """The memberships of the user matching `user_lookup` (e.g. {"id": 7}), each with its user and
    account: read in one query, so that the user comes with them."""
    return Membership.objects.filter(**{f"user__{k}": v for k, v in user_lookup.items()}).select_related(
        "account", "user"
    )


def account_owners(*, account: Account, include_parent: bool = True) -> list[AbstractUser]:
    """The account's owners and, for a sub-account, its parent account's owners (no duplicates)."""
    return accounts_owners(accounts=[account], include_parent=include_parent)[account.pk]


def accounts_owners(*, accounts: Iterable[Account], include_parent: bool = True) -> dict[object, list[AbstractUser]]:
    """`account_owners` of many accounts, in one query: {account id: its owners}. Each list is in
    membership order over the account and its parent together, without duplicates."""
    accounts = list(accounts)
    wanted = {a.pk for a in accounts} | {a.parent_id for a in accounts if include_parent and a.parent_id}
    owners = (
        Membership.objects.filter(account_id__in=wanted, role=Membership.Role.OWNER, user__is_active=True)
        .select_related("user")
        .order_by("created_at")
    )
    per_account: dict[object, list[Membership]] = {}
    for membership in owners:
        per_account.setdefault(membership.account_id, []).append(membership)
    found: dict[object, list[AbstractUser]] = {}
    for account in accounts:
        memberships = list(per_account.get(account.pk, ()))
        if include_parent and account.parent_id:
            memberships = sorted(memberships + per_account.get(account.parent_id, []), key=lambda m: m.created_at)
        seen: dict[int, AbstractUser] = {}
        for membership in memberships:
            seen.setdefault(membership.user_id, membership.user)
        found[account.pk] = list(seen.values())
    return found
