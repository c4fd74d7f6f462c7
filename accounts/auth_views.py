"""JWT for the frontend: email + password in, an access and a refresh token out.

Logins go through django.contrib.auth.authenticate, so django-axes counts failures per email and
client IP and refuses a locked-out pair before any password is checked (429 with Retry-After).
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.login_lockout import lockout_message, lockout_seconds_left, login_succeeded
from accounts.models import Membership
from accounts.selectors import memberships_for_user
from accounts.tokens import RefreshRefused, jwt_issue, jwt_refresh
from ctm_integration.api.envelope import success
from ctm_integration.api.errors import ApiError
from ctm_integration.api.fields import StrictCharField
from ctm_integration.api.schema import api_errors


class InvalidLogin(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Email or password is wrong."
    default_code = "INVALID_LOGIN"


class InvalidRefreshToken(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The refresh token is invalid or expired."
    default_code = "INVALID_TOKEN"


class TooManyLoginAttempts(ApiError):
    """The login lockout (django-axes): answered with Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed logins: try again later."
    default_code = "TOO_MANY_LOGIN_ATTEMPTS"


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = StrictCharField(trim_whitespace=False, style={"input_type": "password"})


class TokenRefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


class AccountMembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField()
    accounts = AccountMembershipSerializer(many=True, help_text="Pick one with `X-Account-Id` if several.")


class AccessTokenSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The next refresh token: the one just used no longer works.")


class TokenObtainView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainSerializer, responses=TokenPairSerializer, auth=[])
    @api_errors(InvalidLogin, TooManyLoginAttempts)
    def post(self, request: Request) -> Response:
        payload = TokenObtainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        credentials = {"email": payload.validated_data["email"], "password": payload.validated_data["password"]}
        user = authenticate(request=request, **credentials)
        if getattr(request, "axes_locked_out", False):
            seconds = lockout_seconds_left(request=request, credentials=credentials)
            raise TooManyLoginAttempts(lockout_message(seconds), headers={"Retry-After": str(seconds)})
        if user is None:
            raise InvalidLogin()
        login_succeeded(request=request, user=user, credentials=credentials)
        accounts = [
            {"id": str(m.account_id), "name": m.account.name, "role": m.role} for m in memberships_for_user(user=user)
        ]
        return success({**jwt_issue(user=user), "accounts": accounts})


class TokenRefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRefreshInputSerializer, responses=AccessTokenSerializer, auth=[])
    @api_errors(InvalidRefreshToken)
    def post(self, request: Request) -> Response:
        payload = TokenRefreshInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            return success(jwt_refresh(refresh=payload.validated_data["refresh"]))
        except RefreshRefused:
            raise InvalidRefreshToken() from None
