"""Writes for accounts and people."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, Membership


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
