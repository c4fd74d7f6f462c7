"""Migration 0012 gives campaign metrics a provider, a source and hours: the metrics of calls stored
before it are rebuilt from the calls, so existing campaigns report what a recount of their calls says.
Run for real: the database goes back to 0011, gets calls and old metrics there, and comes forward."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Account
from integrations.call_changes import Origin
from integrations.call_selectors import CampaignScope, Interval, call_chart, call_summary
from integrations.call_services import call_upsert
from integrations.events import CallEvent, CallEventKind, CallStatus
from integrations.models import Campaign, CampaignDailyMetric
from tests.recount import campaign_chart_recount, campaign_summary_recount

BEFORE = [("integrations", "0011_provider_columns")]
AFTER = [("integrations", "0012_campaign_metrics_by_provider_source_and_hour")]
STATUSES = ["answered", "missed", "canceled", "in_progress", "failed", "unknown"]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.fixture
def latest_schema_afterwards(transactional_db):
    """Whatever a test does to the schema, the next one finds the latest."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.fixture
def at_0011(latest_schema_afterwards):
    """The schema as 0011 left it: its historical models."""
    return migrate(BEFORE).loader.project_state(BEFORE).apps


def seed_before_0012(apps) -> list[str]:
    """Calls of several providers, sources and hours (around a DST change), and metrics in the shape
    the code before 0012 kept; returns the campaigns' ids."""
    Account = apps.get_model("accounts", "Account")
    Campaign = apps.get_model("integrations", "Campaign")
    Call = apps.get_model("integrations", "Call")
    Metric = apps.get_model("integrations", "CampaignDailyMetric")
    account = Account.objects.create(name="Before", timezone="America/New_York")
    campaigns = [Campaign.objects.create(account=account, name=name) for name in ("Spring", "Fall")]
    providers = ["calltrackingmetrics", "calltracker", "marketingedge", "callrail", "custom"]
    base = datetime(2026, 3, 6, tzinfo=UTC)
    for n in range(120):
        Call.objects.create(
            account=account,
            provider=providers[n % 5],
            provider_call_id=str(n),
            provider_account_id="25001",
            source=["Google Ads", "Facebook", ""][n % 3],
            status=STATUSES[n % len(STATUSES)],
            started_at=base + timedelta(minutes=47 * n),
            duration=n * 7,
            talk_time=n * 5,
            is_first_time_caller=n % 4 == 0,
            campaign=campaigns[n % 2] if n % 7 else None,
        )
        metric, _ = Metric.objects.get_or_create(
            campaign=campaigns[n % 2], day=(base + timedelta(minutes=47 * n)).date()
        )
        Metric.objects.filter(pk=metric.pk).update(calls=metric.calls + 1)  # roughly what was there
    return [str(c.pk) for c in campaigns]


def test_the_migration_rebuilds_every_campaigns_metrics_from_its_calls(at_0011):
    campaign_ids = seed_before_0012(at_0011)

    migrate(AFTER)

    start, end = date(2026, 3, 5), date(2026, 3, 10)
    for campaign in Campaign.objects.filter(pk__in=campaign_ids).select_related("account"):
        scope = CampaignScope(account=campaign.account, campaign=campaign, start=start, end=end)
        assert call_summary(scope=scope) == campaign_summary_recount(campaign, start, end)
        assert call_summary(scope=scope)["total"] > 0
        for interval in Interval:
            assert call_chart(scope=scope, interval=interval) == campaign_chart_recount(
                campaign, start, end, interval.value
            )
        provider_scope = CampaignScope(
            account=campaign.account, campaign=campaign, start=start, end=end, provider="callrail"
        )
        assert call_summary(scope=provider_scope) == campaign_summary_recount(campaign, start, end, "callrail")
    assert not CampaignDailyMetric.objects.filter(provider="").exists()  # no row of the old shape is left


def test_going_back_keeps_one_row_per_campaign_and_day(latest_schema_afterwards):
    account = Account.objects.create(name="Now", timezone="UTC")
    campaign = Campaign.objects.create(account=account, name="Spring")
    for n, provider in enumerate(["calltracker", "callrail", "calltracker"]):
        event = CallEvent(
            provider=provider,
            provider_call_id=str(n),
            provider_account_id="1",
            kind=CallEventKind.COMPLETED,
            started_at=datetime(2026, 3, 7, 10 + n, tzinfo=UTC),
            status=CallStatus.ANSWERED,
            source=f"source {n}",
            duration=60,
        )
        call_upsert(origin=Origin.DELIVERY, account=account, event=event, fallback_campaign=campaign)

    Metric = migrate(BEFORE).loader.project_state(BEFORE).apps.get_model("integrations", "CampaignDailyMetric")

    rows = list(Metric.objects.filter(campaign_id=campaign.pk).values("day", "calls", "answered", "duration"))
    assert rows == [{"day": date(2026, 3, 7), "calls": 3, "answered": 3, "duration": 180}]
