"""JWT authentication that says when an access token has expired (the client should refresh it)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions, status
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

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
    signature checked out); any other invalid token is 401 AUTHENTICATION_FAILED, in plain words."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            if _expired(raw_token):
                raise AccessTokenExpired() from None
            raise AccessTokenInvalid() from None


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
