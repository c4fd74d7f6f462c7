"""JWT authentication that says when an access token has expired (the client should refresh it)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions, status
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, ExpiredTokenError, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.scope import ACCOUNT_HEADER, MEMBERSHIP_FROM_AUTHENTICATION, membership_choose
from accounts.selectors import memberships_with_user
from ctm_integration.api.errors import ApiError


class AccessTokenExpired(ApiError, exceptions.AuthenticationFailed):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The access token has expired: refresh it."
    default_code = "TOKEN_EXPIRED"


class AccessTokenInvalid(ApiError, exceptions.AuthenticationFailed):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The access token is invalid."
    default_code = "AUTHENTICATION_FAILED"


class AccessTokenAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication, except that a token whose signature is ours but whose `exp` has
    passed is answered 401 TOKEN_EXPIRED (the token classes raise ExpiredTokenError only after the
    signature checked out); any other invalid token is 401 AUTHENTICATION_FAILED, in plain words.

    The user is read in one query with the membership the request acts through (`X-Account-Id`),
    left on the request for the account scope (accounts.scope): one round trip to the database
    instead of two. Without such a membership, the user is read alone and the scope answers why."""

    def authenticate(self, request):
        self.request = request  # an instance per request (DRF makes them per request)
        return super().authenticate(request)

    def get_user(self, validated_token: Token):
        request = getattr(self, "request", None)
        if request is None or api_settings.USER_ID_CLAIM not in validated_token:
            return super().get_user(validated_token)
        memberships = memberships_with_user(
            user_lookup={api_settings.USER_ID_FIELD: validated_token[api_settings.USER_ID_CLAIM]}
        )
        try:
            membership = membership_choose(memberships=memberships, raw_account_id=request.headers.get(ACCOUNT_HEADER))
        except ApiError:
            return super().get_user(validated_token)
        _check_user(membership.user, validated_token)
        setattr(request, MEMBERSHIP_FROM_AUTHENTICATION, membership)
        return membership.user

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            if _expired(raw_token):
                raise AccessTokenExpired() from None
            raise AccessTokenInvalid() from None


def _check_user(user, validated_token: Token) -> None:
    """What simplejwt's `get_user` checks once it has found the user."""
    if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        raise AuthenticationFailed("User is inactive", code="user_inactive")
    if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
        api_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise AuthenticationFailed("The user's password has been changed.", code="password_changed")


def _expired(raw_token: bytes) -> bool:
    for token_class in api_settings.AUTH_TOKEN_CLASSES:
        try:
            token_class(raw_token)
        except ExpiredTokenError:
            return True
        except TokenError:
            continue
    return False


class AccessTokenAuthenticationScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of AccessTokenAuthentication: simplejwt's bearer JWT."""

    target_class = AccessTokenAuthentication
