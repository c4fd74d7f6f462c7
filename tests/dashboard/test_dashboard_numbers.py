"""Every number on the dashboard equals what the API answers for the same range: the totals and days
equal the count over `GET /v1/calls` pages, a CTM account's row equals its calls summary, a campaign's
figures equal `GET /v1/campaigns/<id>/summary` (and `GET /v1/calls?campaign_id=`)."""

import re

import pytest

from dashboard.selectors import TOP
from integrations.models import Call
from tests.conftest import api_client_for, owner_of
from tests.dashboard.api_figures import api_calls, by_source, figures, grouped, last_30_days, per_day
from tests.dashboard.world import build_world

pytestmark = pytest.mark.django_db

SUMMARY_FIGURES = ("total", "answered", "missed", "answer_rate", "first_time_callers")


@pytest.fixture
def world(db):
    return build_world()


def shown(summary: dict) -> dict:
    """The dashboard's figures of a summary, named as api_figures names them."""
    return {
        **{k: summary[k] for k in SUMMARY_FIGURES},
        "talk_average": summary["talk_time"]["average_per_answered"],
    }


def calls_panel(response) -> dict:
    panels = {rendered.panel.key: rendered.data for rendered in response.context["dashboard"]["panels"]}
    return panels["calls"]


def every_call(world, day_range, **query) -> list[dict]:
    return [
        call
        for account in world.accounts.values()
        for call in api_calls(account, day_range.start, day_range.end, **query)
    ]


def assert_panel_equals_api(panel: dict, calls: list[dict], day_range) -> None:
    overview = panel["overview"]
    assert shown(overview.summary) == figures(calls)
    assert overview.chart_data() == per_day(calls, day_range.days())
    assert panel["chart_data"] == per_day(calls, day_range.days())
    assert overview.summary["by_source"] == by_source(calls)
    assert overview.top_sources == by_source(calls)[:TOP]


def test_the_totals_and_days_equal_the_calls_api_across_providers_and_accounts(admin_client, world):
    day_range = last_30_days()
    calls = every_call(world, day_range)
    assert len({c["provider"] for c in calls}) == 4 and len({c["account_id"] for c in calls}) == 3
    assert Call.objects.count() > len(calls)  # some calls are outside the range, and they are not counted

    response = admin_client.get("/admin/")

    assert response.status_code == 200
    panel = calls_panel(response)
    assert_panel_equals_api(panel, calls, day_range)
    # The plain-HTML totals show the same numbers (the text fallback of the chart).
    html = response.content.decode()
    total = re.search(r'data-figure="total">([\d,]+)<', html).group(1)
    assert total == f"{len(calls):,}"


def test_each_provider_accounts_row_equals_the_api(admin_client, world):
    day_range = last_30_days()
    calls = every_call(world, day_range)
    by_provider_account = grouped(calls, "account_id", "provider", "provider_account_id")

    rows = calls_panel(admin_client.get("/admin/"))["provider_accounts"]

    assert len(rows) == min(TOP, len(by_provider_account))
    for row in rows:
        expected = figures(by_provider_account[(str(row.account.pk), row.provider, row.provider_account_id)])
        assert shown(row.summary) == expected, row
        if row.provider == "calltrackingmetrics":
            # ... and a CTM account's row equals its calls summary, as the frontend reads it.
            key = next(k for k in world.keys.values() if k.account_id == row.account.pk)
            summary = (
                api_client_for(owner_of(row.account), row.account)
                .get(
                    f"/v1/e/calltrackingmetrics/{key.pk}/accounts/{row.provider_account_id}/calls/summary",
                    {"start_date": day_range.start, "end_date": day_range.end},
                )
                .json()["data"]
            )
            assert shown(row.summary) == shown(summary)
            assert summary["total"] == expected["total"] > 0


def test_each_campaign_equals_a_recount_of_its_calls(admin_client, world):
    day_range = last_30_days()
    rows = calls_panel(admin_client.get("/admin/"))["campaigns"]

    assert {row.campaign.name for row in rows} == set(world.campaigns)
    for row in rows:
        account = row.campaign.account
        from_api = api_calls(account, day_range.start, day_range.end, campaign_id=str(row.campaign.pk))
        assert shown(row.summary) == figures(from_api) and from_api
        # ... and the campaign's own summary endpoint for the same range.
        summary = api_client_for(owner_of(account), account).get(
            f"/v1/campaigns/{row.campaign.pk}/summary",
            {"start_date": day_range.start.isoformat(), "end_date": day_range.end.isoformat()},
        )
        assert summary.status_code == 200
        assert shown(row.summary) == shown(summary.json()["data"])


@pytest.mark.parametrize("provider", ["calltrackingmetrics", "marketingedge"])
def test_the_provider_filter_equals_the_api_filtered_by_provider(admin_client, world, provider):
    day_range = last_30_days()
    calls = every_call(world, day_range, provider=provider)

    response = admin_client.get("/admin/", {"provider": provider})

    panel = calls_panel(response)
    assert_panel_equals_api(panel, calls, day_range)
    assert {row.provider for row in panel["provider_accounts"]} == {provider}
    # Each campaign row counts only that provider's calls: equal to its summary filtered by provider.
    assert panel["campaigns"]
    for row in panel["campaigns"]:
        account = row.campaign.account
        summary = api_client_for(owner_of(account), account).get(
            f"/v1/campaigns/{row.campaign.pk}/summary",
            {"start_date": day_range.start.isoformat(), "end_date": day_range.end.isoformat(), "provider": provider},
        )
        assert shown(row.summary) == shown(summary.json()["data"])
        assert row.summary["total"] == len([c for c in calls if c["campaign_id"] == str(row.campaign.pk)])


def test_the_account_filter_equals_that_accounts_api(admin_client, world):
    day_range = last_30_days()
    account = world.accounts["Bayside Realty"]
    calls = api_calls(account, day_range.start, day_range.end)

    response = admin_client.get("/admin/", {"account": str(account.pk)})

    assert_panel_equals_api(calls_panel(response), calls, day_range)
    assert {row.account for row in calls_panel(response)["provider_accounts"]} == {account}


def test_the_account_page_shows_the_same_figures_as_the_filtered_dashboard(admin_client, world):
    day_range = last_30_days()
    account = world.accounts["Acme Dental"]
    calls = api_calls(account, day_range.start, day_range.end)

    response = admin_client.get(f"/admin/accounts/account/{account.pk}/change/")

    assert response.status_code == 200
    assert_panel_equals_api(response.context["calls_panel"], calls, day_range)
    assert 'id="calls-chart-data"' in response.content.decode()


def test_the_campaign_page_shows_the_campaigns_figures(admin_client, world):
    day_range = last_30_days()
    campaign = world.campaigns["Open House"]
    calls = api_calls(campaign.account, day_range.start, day_range.end, campaign_id=str(campaign.pk))

    response = admin_client.get(f"/admin/integrations/campaign/{campaign.pk}/change/")

    assert response.status_code == 200
    overview = response.context["calls_panel"]["overview"]
    assert shown(overview.summary) == figures(calls) and calls
    assert overview.chart_data() == per_day(calls, day_range.days())
    assert overview.summary["by_source"] == by_source(calls)


def test_the_provider_filter_is_offered_only_when_several_providers_have_calls(admin_client, world):
    several = admin_client.get("/admin/").content.decode()
    corner = world.accounts["Corner Cafe"]  # one provider only
    one = admin_client.get("/admin/", {"account": str(corner.pk)}).content.decode()

    assert 'aria-label="Provider"' in several and "Marketing Edge" in several
    assert 'aria-label="Provider"' not in one
