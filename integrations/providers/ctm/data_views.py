"""CTM data through our API: accounts and calls fresh from CTM; summary and chart from the local store."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctm_integration.api.envelope import success
from ctm_integration.api.errors import NotFound
from ctm_integration.api.schema import api_errors, envelope
from integrations.call_selectors import ProviderAccountScope, call_chart, call_summary, key_last_synced_at
from integrations.events import CallEventKind
from integrations.models import Key
from integrations.providers.ctm.access import ctm_session
from integrations.providers.ctm.base_views import CTM_KEY_ERRORS, KEY_NOT_FOUND, CtmView, ctm_pagination
from integrations.providers.ctm.normalize import CTM_DIAL_STATUSES, SLUG, UnusableCallPayload, call_event
from integrations.providers.ctm.query_serializers import CallListQuerySerializer, PageSerializer
from integrations.providers.ctm.response_serializers import (
    CallSerializer,
    CallsMetaSerializer,
    ChartMetaSerializer,
    CtmAccountSerializer,
)
from integrations.report_query_serializers import ChartQuerySerializer, DateRangeSerializer
from integrations.report_response_serializers import CallSummarySerializer, ChartBucketSerializer


def call_representation(payload: dict[str, Any]) -> dict[str, Any] | None:
    try:
        event = call_event(payload, kind=CallEventKind.SYNCED)
    except UnusableCallPayload:
        return None
    return {
        "id": event.provider_call_id,
        "started_at": event.started_at.isoformat(),
        "status": event.status.value,
        "ctm_status": payload.get("dial_status") or payload.get("call_status") or "",
        "direction": event.direction.value,
        "tracking_number": event.tracking_number,
        "caller_number": event.caller_number,
        "caller_name": payload.get("name") or payload.get("cnam") or "",
        "city": payload.get("city") or "",
        "state": payload.get("state") or "",
        "source": event.source,
        "duration": event.duration,
        "talk_time": event.talk_time,
        "first_time_caller": event.is_first_time_caller,
        "recording_url": event.recording_url,
    }


class CtmAccountsView(CtmView):
    @extend_schema(
        parameters=[PageSerializer],
        responses=envelope(CtmAccountSerializer(many=True), paginated=True),
        summary="The key's CTM accounts and sub-accounts",
        operation_id="ctm_accounts_list",
    )
    @api_errors(*CTM_KEY_ERRORS)
    def get(self, request: Request, key_id: str) -> Response:
        query = self.valid_query(PageSerializer)
        with ctm_session(key=self.get_key(key_id)) as ctm:
            body = ctm.list_accounts(page=query["page"], per_page=query["limit"])
        return success(body.get("accounts") or [], pagination=ctm_pagination(body, **query))


class CtmAccountView(CtmView):
    @extend_schema(responses=CtmAccountSerializer, summary="One CTM account")
    @api_errors(*CTM_KEY_ERRORS)
    def get(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        with ctm_session(key=self.get_key(key_id)) as ctm:
            return success(ctm.get_account(account_id=ctm_account_id))


class CtmCallsView(CtmView):
    @extend_schema(
        parameters=[CallListQuerySerializer],
        responses=envelope(CallSerializer(many=True), paginated=True),
        summary="Calls, fresh from CTM",
    )
    @api_errors(*CTM_KEY_ERRORS)
    def get(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        query = self.valid_query(CallListQuerySerializer)
        with ctm_session(key=self.get_key(key_id)) as ctm:
            body = ctm.list_calls(
                account_id=ctm_account_id,
                page=query["page"],
                per_page=query["limit"],
                start_date=query.get("start_date"),
                end_date=query.get("end_date"),
                directions=[query["direction"]] if query.get("direction") else None,
                dial_statuses=CTM_DIAL_STATUSES[query["status"]] if query.get("status") else None,
                sources=[query["source"]] if query.get("source") else None,
                search=query.get("search", ""),
            )
        calls = [c for c in map(call_representation, body.get("calls") or []) if c is not None]
        return success(calls, pagination=ctm_pagination(body, page=query["page"], limit=query["limit"]))


class LocalCallsView(CtmView):
    """Summary and chart: only the local store is read, so CTM being slow or down does not matter."""

    def scope(self, key_id: str, ctm_account_id: str, query: dict) -> ProviderAccountScope:
        account = self.request.account
        try:  # the tokenId must still be this account's; the same query reads when the sync last ran
            self.last_synced_at = key_last_synced_at(
                account=account, key_id=key_id, provider=SLUG, provider_account_id=ctm_account_id
            )
        except Key.DoesNotExist:
            raise NotFound("No CTM credentials with that token.", code="TOKEN_NOT_FOUND") from None
        return ProviderAccountScope(
            account=account,
            provider=SLUG,
            provider_account_id=ctm_account_id,
            start=query["start_date"],
            end=query["end_date"],
        )

    def meta(self, scope: ProviderAccountScope) -> dict[str, Any]:
        return {
            "start_date": scope.start.isoformat(),
            "end_date": scope.end.isoformat(),
            "timezone": scope.account.timezone,
            "last_synced_at": self.last_synced_at.isoformat() if self.last_synced_at else None,
            "source": "local",
        }


class CtmCallSummaryView(LocalCallsView):
    @extend_schema(
        parameters=[DateRangeSerializer],
        responses=envelope(CallSummarySerializer, meta=CallsMetaSerializer),
        summary="Call summary from the local store",
    )
    @api_errors(KEY_NOT_FOUND)
    def get(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        query = self.valid_query(DateRangeSerializer, timezone=request.account.timezone)
        scope = self.scope(key_id, ctm_account_id, query)
        return success(call_summary(scope=scope), meta=self.meta(scope))


class CtmCallChartView(LocalCallsView):
    @extend_schema(
        parameters=[ChartQuerySerializer],
        responses=envelope(ChartBucketSerializer(many=True), meta=ChartMetaSerializer),
        summary="Zero-filled call timeline from the local store",
    )
    @api_errors(KEY_NOT_FOUND)
    def get(self, request: Request, key_id: str, ctm_account_id: str) -> Response:
        query = self.valid_query(ChartQuerySerializer, timezone=request.account.timezone)
        scope = self.scope(key_id, ctm_account_id, query)
        meta = {**self.meta(scope), "interval": query["interval"].value}
        return success(call_chart(scope=scope, interval=query["interval"]), meta=meta)
