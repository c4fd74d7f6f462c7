from django.urls import path, register_converter

from integrations.providers.ctm.base_views import URL_KEY_ID
from integrations.providers.ctm.data_views import (
    CtmAccountsView,
    CtmAccountView,
    CtmCallChartView,
    CtmCallSummaryView,
    CtmCallsView,
)
from integrations.providers.ctm.tracker_views import CtmTrackersView, CtmTrackerView
from integrations.providers.ctm.views import CtmAuthView, CtmConfigView
from integrations.providers.ctm.webhook_receiver import CtmWebhookView
from integrations.providers.ctm.webhook_views import CtmWebhookRegistrationView, CtmWebhooksView


class CtmIdConverter:
    """CTM ids (digits, or prefixed ids like TPN...): nothing that could change the CTM URL."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CtmIdConverter, "ctmid")

KEY = f"<ctmid:{URL_KEY_ID}>"
ACCOUNT = f"{KEY}/accounts/<ctmid:ctm_account_id>"

urlpatterns = [
    path("auth", CtmAuthView.as_view(), name="ctm-auth"),
    path("auth/config", CtmConfigView.as_view(), name="ctm-auth-config"),
    # public receivers (no JWT): the seed's shared URL, and one URL per registered endpoint
    path("webhook/call-update", CtmWebhookView.as_view(), name="ctm-webhook-call-update"),
    path("webhook/<uuid:endpoint_id>/", CtmWebhookView.as_view(), name="ctm-webhook-endpoint"),
    path(f"{KEY}/webhook", CtmWebhooksView.as_view(), name="ctm-webhooks"),
    path(f"{KEY}/webhook/<uuid:webhook_id>", CtmWebhookRegistrationView.as_view(), name="ctm-webhook"),
    path(f"{KEY}/accounts", CtmAccountsView.as_view(), name="ctm-accounts"),
    path(ACCOUNT, CtmAccountView.as_view(), name="ctm-account"),
    path(f"{ACCOUNT}/calls", CtmCallsView.as_view(), name="ctm-calls"),
    path(f"{ACCOUNT}/calls/summary", CtmCallSummaryView.as_view(), name="ctm-call-summary"),
    path(f"{ACCOUNT}/calls/chart", CtmCallChartView.as_view(), name="ctm-call-chart"),
    path(f"{ACCOUNT}/trackers", CtmTrackersView.as_view(), name="ctm-trackers"),
    path(f"{ACCOUNT}/trackers/<ctmid:tracker_id>", CtmTrackerView.as_view(), name="ctm-tracker"),
]
