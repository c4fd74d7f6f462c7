"""Writes for accounts and people."""

from typing import TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, Membership
from integrations.call_services import call_rollups_rebuild


def user_get_or_create(*, email: str, password: str) -> AbstractUser:
    """People sign in with their email; it doubles as the Django username."""
    email = email.strip().lower()
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    user = User(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def account_create(
    *,
    name: str,
    owner_email: str,
    owner_password: str,
    parent: Account | None = None,
    timezone: str = "UTC",
) -> Account:
    """Create an account with its owner (a new user, or an existing one with that email)."""
    if parent is not None and parent.parent_id:
        raise ValidationError({"parent": "A sub-account cannot have sub-accounts of its own."})
    account = Account(name=name.strip(), parent=parent, timezone=timezone)
    account.full_clean()
    account.save()
    owner = user_get_or_create(email=owner_email, password=owner_password)
    Membership.objects.create(user=owner, account=account, role=Membership.Role.OWNER)
    return account


class AccountChanges(TypedDict, total=False):
    name: str
    parent: Account | None
    timezone: str


@transaction.atomic
def account_update(*, account: Account, **changes: Unpack[AccountChanges]) -> Account:
    """Change an account (every path that edits one goes through here). The call rollups count the
    account's local days, so a new time zone recounts them from its calls."""
    unknown = changes.keys() - AccountChanges.__annotations__.keys()
    if unknown:
        raise TypeError(f"account_update() cannot change {', '.join(sorted(unknown))}")
    stored_timezone = Account.objects.select_for_update().values_list("timezone", flat=True).get(pk=account.pk)
    for field, value in changes.items():
        setattr(account, field, value)
    account.full_clean()
    account.save()
    if account.timezone != stored_timezone:
        call_rollups_rebuild(account=account)
    return account
