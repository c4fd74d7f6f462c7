"""JWT for the frontend: email + password in, an access and a refresh token out."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership
from accounts.selectors import memberships_for_user
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


# The login lockout (django-axes) answers this, with Retry-After.
TOO_MANY_LOGIN_ATTEMPTS = (429, "TOO_MANY_LOGIN_ATTEMPTS")


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
    refresh = serializers.CharField(required=False, help_text="Only when refresh tokens are rotated.")


class TokenObtainView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainSerializer, responses=TokenPairSerializer, auth=[])
    @api_errors(InvalidLogin, TOO_MANY_LOGIN_ATTEMPTS)
    def post(self, request: Request) -> Response:
        payload = TokenObtainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(email__iexact=payload.validated_data["email"], is_active=True).first()
        if user is None or not user.check_password(payload.validated_data["password"]):
            raise InvalidLogin()
        refresh = RefreshToken.for_user(user)
        accounts = [
            {"id": str(m.account_id), "name": m.account.name, "role": m.role} for m in memberships_for_user(user=user)
        ]
        return success({"access": str(refresh.access_token), "refresh": str(refresh), "accounts": accounts})


class TokenRefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRefreshInputSerializer, responses=AccessTokenSerializer, auth=[])
    @api_errors(InvalidRefreshToken)
    def post(self, request: Request) -> Response:
        payload = TokenRefreshInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refresher = TokenRefreshSerializer(data=payload.validated_data)
        try:
            refresher.is_valid(raise_exception=True)
        except TokenError:
            raise InvalidRefreshToken() from None
        return success(refresher.validated_data)
