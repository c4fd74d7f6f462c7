"""JWT pairs for the frontend: issued at login, rotated on refresh (each refresh token works once)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken


class RefreshRefused(Exception):
    """The refresh token is malformed, expired, already used, or its user is gone or inactive."""


def jwt_issue(*, user: AbstractUser) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)  # recorded as outstanding, so that it can be blacklisted
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


@transaction.atomic
def jwt_refresh(*, refresh: str) -> dict[str, str]:
    """A new access and refresh token; the given refresh token is blacklisted. Two requests racing
    with the same token are serialized on its outstanding-token row, so only one of them wins."""
    _lock_outstanding(refresh)
    rotation = TokenRefreshSerializer(data={"refresh": refresh})
    try:
        rotation.is_valid(raise_exception=True)
    except (TokenError, AuthenticationFailed, ObjectDoesNotExist) as exc:
        raise RefreshRefused(str(exc)) from None
    return dict(rotation.validated_data)


def _lock_outstanding(refresh: str) -> None:
    try:
        jti = RefreshToken(refresh, verify=False)["jti"]  # only to find the row; verified just after
    except (TokenError, KeyError):
        return
    list(OutstandingToken.objects.select_for_update().filter(jti=jti).values_list("pk", flat=True))
