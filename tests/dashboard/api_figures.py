"""The dashboard's figures computed from what the API answers, and nothing else: every page of
`GET /v1/calls` (and each call's `GET /v1/calls/<id>` for what the list does not carry), counted in
plain Python with the README's definitions. Shares nothing with the dashboard's selectors."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from dashboard.selectors import DayRange
from tests.conftest import api_client_for, owner_of


def last_30_days() -> DayRange:
    """The dashboard's range, from its definition: 30 calendar days ending today in settings.TIME_ZONE."""
    today = datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
    return DayRange(start=today - timedelta(days=29), end=today)


def api_calls(account, start, end, **query) -> list[dict]:
    """The account's calls of [start, end] (its local days), every page, each with its details."""
    client = api_client_for(owner_of(account), account)
    calls, page = [], 1
    while True:
        body = client.get(
            "/v1/calls", {"start_date": start, "end_date": end, "page": page, "limit": 100, **query}
        ).json()
        assert body["success"], body
        calls += body["data"]
        if page >= body["pagination"]["total_pages"]:
            break
        page += 1
    tz = ZoneInfo(account.timezone)
    detailed = []
    for call in calls:
        detail = client.get(f"/v1/calls/{call['id']}").json()["data"]
        started = datetime.fromisoformat(call["started_at"].replace("Z", "+00:00"))
        detailed.append({**call, **detail, "account_id": str(account.pk), "local_day": started.astimezone(tz).date()})
    return detailed


def figures(calls: list[dict]) -> dict:
    """The summary figures of these calls."""
    statuses = Counter(c["status"] for c in calls)
    total, answered = len(calls), statuses["answered"]
    finished = total - statuses["in_progress"]
    talk = sum(c["talk_time"] for c in calls)
    return {
        "total": total,
        "answered": answered,
        "missed": statuses["missed"] + statuses["canceled"],
        "answer_rate": round(answered / finished, 4) if finished else 0.0,
        "talk_average": round(talk / answered, 1) if answered else 0.0,
        "first_time_callers": sum(1 for c in calls if c["is_first_time_caller"]),
    }


def per_day(calls: list[dict], days) -> dict[str, list[int]]:
    answered, missed, total = Counter(), Counter(), Counter()
    for c in calls:
        total[c["local_day"]] += 1
        answered[c["local_day"]] += c["status"] == "answered"
        missed[c["local_day"]] += c["status"] in ("missed", "canceled")
    return {
        "days": [d.isoformat() for d in days],
        "answered": [answered[d] for d in days],
        "missed": [missed[d] for d in days],
        "other": [total[d] - answered[d] - missed[d] for d in days],
    }


def by_source(calls: list[dict]) -> list[dict]:
    calls_by, answered_by = Counter(c["source"] for c in calls), Counter()
    for c in calls:
        answered_by[c["source"]] += c["status"] == "answered"
    return [
        {"source": s, "calls": n, "answered": answered_by[s]}
        for s, n in sorted(calls_by.items(), key=lambda item: (-item[1], item[0]))
    ]


def grouped(calls: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in calls:
        groups[tuple(c[k] for k in keys)].append(c)
    return groups
