"""GET /v1/campaigns/<id>/summary and /chart: a campaign's calls from every provider, read from its
metrics, equal to a recount of its call rows (tests/recount.py); scoped to the caller's account."""

import base64
import hashlib
import hmac
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.services import account_update
from integrations.call_changes import Origin
from integrations.call_services import call_upsert, calls_upsert
from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import Call, Campaign
from integrations.providers.registry import PROVIDERS
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import api_client_for, deliver, endpoint_url, load_fixture, owner_of
from tests.recount import campaign_chart_recount, campaign_summary_recount

pytestmark = pytest.mark.django_db

SLUGS = [provider.slug for provider in PROVIDERS]
SOURCES = ["Google Ads", "Facebook", "Direct", ""]
T0 = datetime(2026, 3, 7, 14, 30, tzinfo=UTC)


def event(provider: str, call_id: str, **fields) -> CallEvent:
    defaults = {
        "provider": provider,
        "provider_call_id": call_id,
        "provider_account_id": "25001",
        "kind": CallEventKind.COMPLETED,
        "started_at": T0,
        "status": CallStatus.ANSWERED,
        "direction": CallDirection.INBOUND,
        "tracking_number": "+15559876543",
        "caller_number": "+15551234567",
        "source": "Google Ads",
        "duration": 180,
        "talk_time": 150,
    }
    return CallEvent(**{**defaults, **fields})


def get(api, campaign, report: str, start: date | None = None, end: date | None = None, **query):
    if start:
        query["start_date"] = start.isoformat()
    if end:
        query["end_date"] = end.isoformat()
    return api.get(f"/v1/campaigns/{campaign.pk}/{report}", query)


def summary(api, campaign, start: date, end: date, **query) -> dict:
    response = get(api, campaign, "summary", start, end, **query)
    assert response.status_code == 200, response.content
    return response.json()


def chart(api, campaign, start: date, end: date, interval: str, **query) -> dict:
    response = get(api, campaign, "chart", start, end, interval=interval, **query)
    assert response.status_code == 200, response.content
    return response.json()


def assert_reports_equal_the_recount(api, campaign, start: date, end: date, provider: str | None = None) -> None:
    query = {"provider": provider} if provider else {}
    assert summary(api, campaign, start, end, **query)["data"] == campaign_summary_recount(
        campaign, start, end, provider
    )
    for interval in ("hour", "day", "week"):
        got = chart(api, campaign, start, end, interval, **query)["data"]
        assert got == campaign_chart_recount(campaign, start, end, interval, provider), interval


def providers_of_calls(campaign) -> list[str]:
    return sorted(set(Call.objects.filter(campaign=campaign).values_list("provider", flat=True)))


@pytest.fixture
def new_york(account):
    account.timezone = "America/New_York"
    account.save()
    return account


@pytest.mark.parametrize("seed", [1, 2])
def test_a_campaign_with_calls_from_every_provider_reports_what_a_recount_of_its_calls_says(api, new_york, seed):
    rng = random.Random(seed)
    spring = Campaign.objects.create(account=new_york, name="Spring", tracking_numbers=["+15550000001"])
    fall = Campaign.objects.create(account=new_york, name="Fall")
    # Around the March DST change; every provider, every kind of event, repeated and out of order.
    items = []
    for _ in range(300):
        items.append(
            (
                event(
                    rng.choice(SLUGS),
                    str(rng.randint(1, 50)),
                    kind=rng.choice(list(CallEventKind)),
                    status=rng.choice(list(CallStatus)),
                    started_at=datetime(2026, 2, 25, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 60 * 24 * 20)),
                    source=rng.choice(SOURCES),
                    tracking_number=rng.choice(["+15550000001", "+15557777777"]),
                    duration=rng.randint(0, 900),
                    talk_time=rng.randint(0, 600),
                    is_first_time_caller=rng.random() < 0.3,
                ),
                rng.choice([None, spring, fall]),
            )
        )
    # Both ways calls are written: one by one, and in batches.
    for one_event, fallback in items[:150]:
        call_upsert(origin=Origin.DELIVERY, account=new_york, event=one_event, fallback_campaign=fallback)
    for start in range(150, 300, 50):
        calls_upsert(origin=Origin.DELIVERY, account=new_york, items=items[start : start + 50])

    assert len(providers_of_calls(spring)) >= 3 and len(providers_of_calls(fall)) >= 3
    for campaign in (spring, fall):
        for start, end in ((date(2026, 2, 25), date(2026, 3, 16)), (date(2026, 3, 7), date(2026, 3, 9))):
            assert_reports_equal_the_recount(api, campaign, start, end)
        body = summary(api, campaign, date(2026, 3, 1), date(2026, 3, 31))
        assert body["data"]["total"] > 0
        assert body["meta"] == {
            "start_date": "2026-03-01",
            "end_date": "2026-03-31",
            "timezone": "America/New_York",
            "provider": None,
            "providers": providers_of_calls(campaign),
        }


def test_webhook_deliveries_of_four_providers_end_to_end_make_one_campaign_report(
    api, client, account, campaign, endpoint
):
    """Real deliveries through each provider's receiver and the processing task, to endpoints of one campaign."""

    def created(body: dict) -> dict:
        response = api.post("/v1/webhook-endpoints", {**body, "campaign_id": str(campaign.pk)}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["data"]

    def post(url: str, payload: dict, **headers):
        raw = json.dumps(payload).encode()
        headers = {name: sign(raw) for name, sign in headers.items()}
        assert client.generic("POST", url, raw, content_type="application/json", **headers).status_code == 200

    for name in ("webhook__start", "webhook__end"):
        assert deliver(client, endpoint_url(endpoint), load_fixture("ctm", name)).status_code == 200
    calltracker = created({"provider": "calltracker"})
    for name in ("call.received__seed", "call.finished__seed"):
        url = f"/v1/e/calltracker/webhook/{calltracker['id']}/?token={calltracker['credential']}"
        post(url, load_fixture("calltracker", name))
    marketingedge = created({"provider": "marketingedge"})
    me_secret = marketingedge["signing_secret"].encode()
    for name in ("CallDetails.CallStartCall__aligned", "CallDetails.CallProcessed__aligned"):
        post(
            f"/v1/e/marketingedge/webhook/{marketingedge['id']}/",
            load_fixture("marketingedge", name),
            HTTP_MS_SIGNATURE=lambda raw: "sha256=" + hmac.new(me_secret, raw, hashlib.sha256).hexdigest(),
        )
    callrail_key = b"072e77e426f92738a72fe23c4d1953b4"
    callrail = created({"provider": "callrail", "signing_secret": callrail_key.decode()})
    post(
        callrail["urls"]["post_call"],
        load_fixture("callrail", "post_call__answered"),
        HTTP_SIGNATURE=lambda raw: base64.b64encode(hmac.new(callrail_key, raw, hashlib.sha1).digest()).decode(),
    )
    assert set(webhook_deliveries_process().values()) == {"processed"}

    assert providers_of_calls(campaign) == sorted(["calltrackingmetrics", "calltracker", "marketingedge", "callrail"])
    for start, end in ((date(2019, 1, 1), date(2019, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))):
        body = summary(api, campaign, start, end)
        assert body["data"] == campaign_summary_recount(campaign, start, end)
        assert body["data"]["total"] == 2
        assert body["meta"]["providers"] == providers_of_calls(campaign)
        assert chart(api, campaign, start, end, "week")["data"] == campaign_chart_recount(campaign, start, end, "week")


def test_calls_that_join_a_campaign_or_change_source_status_or_day_keep_every_campaigns_report_right(api, new_york):
    """What moves a call in the store: attribution of a call stored without a campaign (attribution
    is sticky once made), later events changing its source, status and start, and its campaign's
    deletion (the call is free again, and a later event attributes it to another campaign)."""
    spring = Campaign.objects.create(account=new_york, name="Spring")
    fall = Campaign.objects.create(account=new_york, name="Fall")
    short_lived = Campaign.objects.create(account=new_york, name="Short-lived")
    window = (date(2026, 3, 6), date(2026, 3, 9))

    def both_right() -> None:
        for campaign in (spring, fall):
            assert_reports_equal_the_recount(api, campaign, *window)

    # Stored without a campaign (no endpoint campaign, no tracking rule), then a later event with one.
    call_upsert(origin=Origin.DELIVERY, account=new_york, event=event("calltracker", "1", kind=CallEventKind.RECEIVED))
    assert summary(api, fall, *window)["data"]["total"] == 0
    call_upsert(origin=Origin.DELIVERY, account=new_york, event=event("calltracker", "1"), fallback_campaign=fall)
    assert summary(api, fall, *window)["data"]["total"] == 1
    both_right()

    # In progress from one source, then answered from another, after local midnight (next day).
    start = event("callrail", "2", kind=CallEventKind.RECEIVED, status=CallStatus.IN_PROGRESS, source="Direct")
    call_upsert(origin=Origin.DELIVERY, account=new_york, event=start, fallback_campaign=spring)
    late = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)  # 23:30 on the 7th in New York
    call_upsert(
        origin=Origin.DELIVERY, account=new_york, event=event("callrail", "2", started_at=late, source="Facebook")
    )
    moved = summary(api, spring, *window)["data"]
    assert (moved["by_status"]["in_progress"], moved["answered"]) == (0, 1)
    assert moved["by_source"] == [{"source": "Facebook", "calls": 1, "answered": 1}]
    later = datetime(2026, 3, 8, 5, 30, tzinfo=UTC)  # 00:30 on the 8th
    call_upsert(
        origin=Origin.DELIVERY, account=new_york, event=event("callrail", "2", started_at=later, source="Facebook")
    )
    days = chart(api, spring, *window, "day")["data"]
    assert [d["total"] for d in days] == [0, 0, 1, 0]
    both_right()

    # Its campaign deleted, the call is unattributed; the next event attributes it to Fall.
    call_upsert(
        origin=Origin.DELIVERY,
        account=new_york,
        event=event("custom", "3", source="Billboard"),
        fallback_campaign=short_lived,
    )
    short_lived.delete()
    assert get(api, short_lived, "summary").status_code == 404
    call_upsert(
        origin=Origin.DELIVERY, account=new_york, event=event("custom", "3", source="Billboard"), fallback_campaign=fall
    )
    fall_summary = summary(api, fall, *window)
    assert fall_summary["data"]["total"] == 2
    assert fall_summary["meta"]["providers"] == ["calltracker", "custom"]
    both_right()


def test_local_days_and_hours_follow_the_accounts_time_zone_across_dst(api, new_york):
    campaign = Campaign.objects.create(account=new_york, name="Fall back")
    starts = [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 EST, the same local hour again
        datetime(2026, 11, 2, 3, 0, tzinfo=UTC),  # 22:00 EST on the 1st; the 2nd in Berlin
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 03:30 EDT, the hour after the skipped one
    ]
    for n, started_at in enumerate(starts):
        provider = SLUGS[n % len(SLUGS)]
        call_upsert(
            origin=Origin.DELIVERY,
            account=new_york,
            event=event(provider, str(n), started_at=started_at),
            fallback_campaign=campaign,
        )

    fall_back = chart(api, campaign, date(2026, 11, 1), date(2026, 11, 1), "hour")
    assert fall_back["meta"]["interval"] == "hour" and fall_back["meta"]["timezone"] == "America/New_York"
    hours = fall_back["data"]
    assert len(hours) == 24  # 25 hours on the clock; the repeated one is one bucket
    assert [(h["start"], h["total"]) for h in hours if h["total"]] == [
        ("2026-11-01T01:00:00-04:00", 2),
        ("2026-11-01T22:00:00-05:00", 1),
    ]
    spring_forward = chart(api, campaign, date(2026, 3, 8), date(2026, 3, 8), "hour")["data"]
    assert len(spring_forward) == 23
    assert [h["start"] for h in spring_forward if h["total"]] == ["2026-03-08T03:00:00-04:00"]
    assert_reports_equal_the_recount(api, campaign, date(2026, 10, 30), date(2026, 11, 3))
    assert_reports_equal_the_recount(api, campaign, date(2026, 3, 7), date(2026, 3, 9))

    account_update(account=new_york, timezone="Europe/Berlin")  # the metrics are recounted in Berlin's days
    campaign.refresh_from_db()
    days = chart(api, campaign, date(2026, 11, 1), date(2026, 11, 2), "day")["data"]
    assert [(d["start"], d["total"]) for d in days] == [
        ("2026-11-01T00:00:00+01:00", 2),
        ("2026-11-02T00:00:00+01:00", 1),
    ]
    assert_reports_equal_the_recount(api, campaign, date(2026, 10, 30), date(2026, 11, 3))
    assert_reports_equal_the_recount(api, campaign, date(2026, 3, 7), date(2026, 3, 9))


def test_another_accounts_campaign_or_an_unknown_one_is_a_404(api, make_account):
    other = make_account("Other")
    theirs = Campaign.objects.create(account=other, name="Theirs")
    call_upsert(origin=Origin.DELIVERY, account=other, event=event("calltracker", "1"), fallback_campaign=theirs)
    unknown = Campaign(pk="00000000-0000-4000-8000-000000000000")

    for campaign in (theirs, unknown):
        for report in ("summary", "chart"):
            response = get(api, campaign, report)
            assert response.status_code == 404
            assert response.json() == {"success": False, "errno": 404, "message": "Not found.", "code": "NOT_FOUND"}
    # Its owner sees it.
    theirs_api = api_client_for(owner_of(other), other)
    assert summary(theirs_api, theirs, date(2026, 3, 1), date(2026, 3, 31))["data"]["total"] == 1


def test_the_provider_filter_limits_the_figures_and_an_unknown_provider_is_a_400(api, new_york):
    campaign = Campaign.objects.create(account=new_york, name="Spring")
    for n, provider in enumerate(["calltracker", "calltracker", "marketingedge", "callrail"]):
        status = CallStatus.MISSED if n == 1 else CallStatus.ANSWERED
        call_upsert(
            origin=Origin.DELIVERY,
            account=new_york,
            event=event(provider, str(n), status=status, source=provider),
            fallback_campaign=campaign,
        )
    window = (date(2026, 3, 1), date(2026, 3, 31))

    filtered = summary(api, campaign, *window, provider="calltracker")
    assert (filtered["data"]["total"], filtered["data"]["answered"], filtered["data"]["missed"]) == (2, 1, 1)
    assert filtered["meta"]["provider"] == "calltracker"
    assert filtered["meta"]["providers"] == ["callrail", "calltracker", "marketingedge"]  # whatever the filter
    assert_reports_equal_the_recount(api, campaign, *window, provider="calltracker")
    assert_reports_equal_the_recount(api, campaign, *window, provider="marketingedge")
    nothing = summary(api, campaign, *window, provider="calltrackingmetrics")["data"]
    assert (nothing["total"], nothing["by_source"]) == (0, [])
    assert chart(api, campaign, *window, "week", provider="callrail")["meta"]["provider"] == "callrail"

    for report in ("summary", "chart"):
        response = get(api, campaign, report, *window, provider="ringcentral")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "VALIDATION_ERROR"
        assert body["errors"] == {
            "provider": [
                'No provider "ringcentral": one of calltrackingmetrics, calltracker, marketingedge, callrail, custom.'
            ]
        }


@pytest.mark.parametrize(
    ("report", "query", "field"),
    [
        ("summary", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ("chart", {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ("summary", {"start_date": "2025-03-01", "end_date": "2026-03-02"}, "start_date"),
        ("chart", {"start_date": "2026-01-01", "end_date": "2026-02-01", "interval": "hour"}, "interval"),
        ("chart", {"interval": "month"}, "interval"),
        ("summary", {"start_date": "yesterday"}, "start_date"),
    ],
)
def test_invalid_ranges_and_intervals_are_400_naming_the_field(api, account, report, query, field):
    campaign = Campaign.objects.create(account=account, name="Spring")
    response = api.get(f"/v1/campaigns/{campaign.pk}/{report}", query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_without_dates_the_report_covers_the_last_30_local_days(api, account):
    campaign = Campaign.objects.create(account=account, name="Spring", status="paused")  # any status
    body = chart(api, campaign, None, None, "day", status="active")  # the list's filters do not apply
    assert len(body["data"]) == 30
    assert (date.fromisoformat(body["meta"]["end_date"]) - date.fromisoformat(body["meta"]["start_date"])).days == 29
    assert body["meta"]["providers"] == []
