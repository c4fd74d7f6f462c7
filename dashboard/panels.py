"""The dashboard is a list of panels: each a title, a template, and a function reading its data.

To add one, write a selector in its own app, a template under templates/dashboard/panels/, and one
`Panel(...)` line in PANELS below, where it should appear.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.query import DashboardQuery
from dashboard.selectors import (
    calls_overview,
    campaigns_overview,
    inbound_webhook_health,
    notification_failures,
    provider_accounts_overview,
    provider_sync_overview,
)
from outbound.health import outbound_webhooks_needing_attention


@dataclass(frozen=True)
class Panel:
    key: str  # the HTML id of its box
    title: str
    template: str
    read: Callable[[DashboardQuery], dict[str, Any]]


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    data: dict[str, Any]


def calls_panel(query: DashboardQuery) -> dict[str, Any]:
    overview = calls_overview(call_filter=query.call_filter)
    query.providers_seen(overview.providers)
    return {
        "overview": overview,
        "chart_data": overview.chart_data(),
        "campaigns": campaigns_overview(day_range=query.range, account=query.account, provider=query.provider),
        "provider_accounts": provider_accounts_overview(call_filter=query.call_filter),
        "query": query,
        "range": query.range,
        "chart_id": "calls-chart-data",
        "sources_known": True,
    }


def inbound_webhooks_panel(query: DashboardQuery) -> dict[str, Any]:
    return {"health": inbound_webhook_health(account=query.account, provider=query.provider)}


def notifications_panel(query: DashboardQuery) -> dict[str, Any]:
    return {"channels": notification_failures(account=query.account)}


def outbound_webhooks_panel(query: DashboardQuery) -> dict[str, Any]:
    return {"webhooks": outbound_webhooks_needing_attention(account=query.account)}


def provider_sync_panel(query: DashboardQuery) -> dict[str, Any]:
    return {"sync": provider_sync_overview(account=query.account)}


PANELS: tuple[Panel, ...] = (
    Panel("calls", "Calls", "dashboard/panels/calls.html", calls_panel),
    Panel("webhooks-inbound", "Inbound webhooks", "dashboard/panels/inbound_webhooks.html", inbound_webhooks_panel),
    Panel("webhooks-outbound", "Outbound webhooks", "dashboard/panels/outbound_webhooks.html", outbound_webhooks_panel),
    Panel("notifications", "Notifications", "dashboard/panels/notifications.html", notifications_panel),
    Panel("provider-sync", "Provider API sync", "dashboard/panels/provider_sync.html", provider_sync_panel),
)


def dashboard_panels(*, query: DashboardQuery, panels: tuple[Panel, ...] = PANELS) -> list[RenderedPanel]:
    return [RenderedPanel(panel=panel, data=panel.read(query)) for panel in panels]
