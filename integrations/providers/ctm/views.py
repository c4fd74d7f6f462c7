"""CTM credential endpoints: thin views over selectors, services and the CTM client."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ctm_integration.api.envelope import success
from ctm_integration.api.errors import ApiError, InvalidCredentials, NotFound
from ctm_integration.api.schema import api_errors
from integrations.providers.ctm.access import ctm_session
from integrations.providers.ctm.api_errors import CTM_ERRORS
from integrations.providers.ctm.base_views import CTM_KEY_ERRORS, CtmView
from integrations.providers.ctm.credentials import config_save, key_connect
from integrations.providers.ctm.disconnect import ctm_disconnect
from integrations.providers.ctm.serializers import (
    ConfigInputSerializer,
    ConfigResultSerializer,
    ConfigSerializer,
    ConnectSerializer,
    DisconnectQuerySerializer,
    DisconnectResultSerializer,
    KeySerializer,
)
from integrations.selectors import keys_for_account


class CtmAuthView(CtmView):
    @extend_schema(responses=KeySerializer(many=True), summary="List the account's CTM credentials")
    def get(self, request: Request) -> Response:
        return success(KeySerializer(keys_for_account(account=request.account), many=True).data)

    @extend_schema(
        request=ConnectSerializer,
        responses={201: KeySerializer, 200: KeySerializer},
        summary="Connect CTM credentials (201; 200 when the same CTM login is connected again)",
    )
    @api_errors(InvalidCredentials, *CTM_ERRORS)
    def post(self, request: Request) -> Response:
        payload = ConnectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        connection = key_connect(account=request.account, user=request.user, **payload.validated_data)
        return success(
            KeySerializer(connection.key).data,
            status=status.HTTP_201_CREATED if connection.created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[OpenApiParameter("global", bool, description="Also disable campaigns and remove credentials")],
        summary="Disconnect CTM (credentials preserved while active campaigns use them)",
        request=None,
        responses={200: DisconnectResultSerializer},
    )
    @api_errors((404, "NOT_CONNECTED"))
    def delete(self, request: Request) -> Response:
        query = DisconnectQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = ctm_disconnect(
            account=request.account, user=request.user, global_delete=query.validated_data["global"]
        )
        if not result.anything_removed and not result.keys_preserved:
            raise NotFound("CallTrackingMetrics is not connected for this account.", code="NOT_CONNECTED")
        return success(
            {
                "global": result.global_delete,
                "config_deleted": result.configs_deleted > 0,
                "credentials_deleted": result.keys_deleted,
                "credentials_preserved": result.keys_preserved,
                "campaigns_disabled": result.campaigns_disabled,
                "webhooks_disabled": len(result.endpoints_closed),
            }
        )


class CtmConfigView(CtmView):
    @extend_schema(request=ConfigInputSerializer, responses=ConfigResultSerializer, summary="Choose the CTM account")
    @api_errors((400, "SUBACCOUNT_MISMATCH"), *CTM_KEY_ERRORS)
    def post(self, request: Request) -> Response:
        payload = ConfigInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = self.get_key(data["key_id"])
        with ctm_session(key=key) as ctm:
            ctm_account = ctm.get_account(account_id=data["account_id"])
            sub_account = ctm.get_account(account_id=data["subaccount_id"]) if data["subaccount_id"] else None
        if sub_account is not None:
            agency_id = str(sub_account.get("agency_id") or sub_account.get("parent_id") or "")
            if agency_id and agency_id != str(ctm_account.get("id", data["account_id"])):
                raise ApiError("That sub-account does not belong to the CTM account.", code="SUBACCOUNT_MISMATCH")
        config = config_save(
            account=request.account,
            key=key,
            calltracking_account_id=data["account_id"],
            calltracking_sub_account_id=data["subaccount_id"],
        )
        body = ConfigSerializer(config).data
        body["ctm_account"] = {"id": ctm_account.get("id"), "name": ctm_account.get("name")}
        return success(body)
