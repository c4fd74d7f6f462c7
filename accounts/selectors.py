"""Reads for accounts and people."""

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
    account_ids = [account.id]
    if include_parent and account.parent_id:
        account_ids.append(account.parent_id)
    owners = (
        Membership.objects.filter(account_id__in=account_ids, role=Membership.Role.OWNER, user__is_active=True)
        .select_related("user")
        .order_by("created_at")
    )
    seen: dict[int, AbstractUser] = {}
    for membership in owners:
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())
