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

from accounts.selectors import memberships_for_user
from ctm_integration.api.envelope import EnvelopeSerializer, success
from ctm_integration.api.errors import ApiError


class InvalidLogin(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Email or password is wrong."
    default_code = "INVALID_LOGIN"


class InvalidRefreshToken(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "The refresh token is invalid or expired."
    default_code = "INVALID_TOKEN"


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenRefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenObtainView(APIView):
    serializer_class = EnvelopeSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainSerializer, auth=[])
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
    serializer_class = EnvelopeSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRefreshInputSerializer, auth=[])
    def post(self, request: Request) -> Response:
        payload = TokenRefreshInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refresher = TokenRefreshSerializer(data=payload.validated_data)
        try:
            refresher.is_valid(raise_exception=True)
        except TokenError:
            raise InvalidRefreshToken() from None
        return success(refresher.validated_data)
