"""The same calls chart and summary as the dashboard's, on an account's and a campaign's admin page.

One line in an admin class adds it: `class AccountAdmin(AccountCallsAdminMixin, admin.ModelAdmin)`."""

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest

from dashboard.actions import rebuild_call_rollups
from dashboard.panels import calls_panel
from dashboard.query import dashboard_query
from dashboard.selectors import campaign_calls_overview, dashboard_range


class CallsPanelAdminMixin:
    change_form_template = "dashboard/change_form_with_calls.html"

    def calls_panel(self, request: HttpRequest, obj) -> dict[str, Any]:
        raise NotImplementedError

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {**(extra_context or {}), "calls_panel": self.calls_panel(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)


class AccountCallsAdminMixin(CallsPanelAdminMixin):
    """The account's calls on its page (every provider, or one), and the "rebuild rollups" action."""

    def calls_panel(self, request: HttpRequest, obj) -> dict[str, Any]:
        return {**calls_panel(dashboard_query(params=request.GET, account=obj)), "account": obj}

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            func, name, description = self.get_action(rebuild_call_rollups)
            actions[name] = (func, name, description)
        return actions


class CampaignCallsAdminMixin(CallsPanelAdminMixin):
    """The campaign's calls on its page, from its daily metrics."""

    def calls_panel(self, request: HttpRequest, obj) -> dict[str, Any]:
        overview = campaign_calls_overview(campaign=obj, day_range=dashboard_range())
        return {
            "overview": overview,
            "chart_data": overview.chart_data(),
            "chart_id": "calls-chart-data",
            "range": dashboard_range(),
            "account": obj.account,
            "campaigns": None,  # the campaign itself
            "sources_known": True,
        }
