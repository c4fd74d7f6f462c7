"""Every provider's adapter, by slug. A provider in the registry without one fails the shared cases."""

from tests.webhook_cases.base import WebhookAdapter
from tests.webhook_cases.callrail import CallRailAdapter
from tests.webhook_cases.calltracker import CallTrackerAdapter
from tests.webhook_cases.calltrackingmetrics import CtmAdapter
from tests.webhook_cases.custom import CustomAdapter
from tests.webhook_cases.marketingedge import MarketingEdgeAdapter

ADAPTERS: dict[str, WebhookAdapter] = {
    adapter.slug: adapter
    for adapter in (CtmAdapter(), CallTrackerAdapter(), MarketingEdgeAdapter(), CallRailAdapter(), CustomAdapter())
}
