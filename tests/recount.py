"""Summary and chart recounted from the raw call rows in plain Python, from the README's definitions:
of a CTM account (the account's calls of it), or of a campaign (its calls, of any provider or one).

Nothing here comes from `integrations.call_selectors` or `integrations.rollups`: a recount that
shared their sums or their formatting would agree with any mistake in them.
- `missed` counts missed + canceled; `answer_rate` = answered / (total - in progress), 4 digits;
  averages have 1 digit; `by_status` has every status plus `unknown`; `by_source` is sorted by
  calls (most first), then name.
- Days and hours are the account's local ones; the chart has every bucket of the range, empty
  ones as zeros; weeks start on Monday.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from integrations.models import Call

STATUSES = ("answered", "missed", "canceled", "failed", "in_progress")


def local_calls(rows, timezone: str, start: date, end: date) -> list[dict]:
    """The calls among `rows` whose local day is within [start, end], each with its local start."""
    tz = ZoneInfo(timezone)
    fields = ("started_at", "status", "source", "duration", "talk_time", "is_first_time_caller")
    calls = [{**row, "local": row["started_at"].astimezone(tz)} for row in rows.values(*fields)]
    return [c for c in calls if start <= c["local"].date() <= end]


def calls_in(account, provider_account_id: str, start: date, end: date) -> list[dict]:
    """The account's CTM calls of one CTM account whose local day is within [start, end]."""
    rows = Call.objects.filter(account=account, provider="calltrackingmetrics", provider_account_id=provider_account_id)
    return local_calls(rows, account.timezone, start, end)


def campaign_calls_in(campaign, start: date, end: date, provider: str | None = None) -> list[dict]:
    """The campaign's calls (of every provider, or of `provider`) whose local day is within [start, end]."""
    rows = Call.objects.filter(campaign=campaign, **({"provider": provider} if provider else {}))
    return local_calls(rows, campaign.account.timezone, start, end)


def summary_recount(account, provider_account_id: str, start: date, end: date) -> dict:
    return summary_of(calls_in(account, provider_account_id, start, end))


def campaign_summary_recount(campaign, start: date, end: date, provider: str | None = None) -> dict:
    return summary_of(campaign_calls_in(campaign, start, end, provider))


def summary_of(calls: list[dict]) -> dict:
    statuses = Counter(c["status"] for c in calls)
    total, answered = len(calls), statuses["answered"]
    duration = sum(c["duration"] for c in calls)
    talk_time = sum(c["talk_time"] for c in calls)
    finished = total - statuses["in_progress"]
    sources = Counter(c["source"] for c in calls)
    answered_by_source = Counter(c["source"] for c in calls if c["status"] == "answered")
    return {
        "total": total,
        "answered": answered,
        "missed": statuses["missed"] + statuses["canceled"],
        "answer_rate": round(answered / finished, 4) if finished else 0.0,
        "duration": {"total": duration, "average": round(duration / total, 1) if total else 0.0},
        "talk_time": {
            "total": talk_time,
            "average_per_answered": round(talk_time / answered, 1) if answered else 0.0,
        },
        "first_time_callers": sum(1 for c in calls if c["is_first_time_caller"]),
        "by_status": {
            **{status: statuses[status] for status in STATUSES},
            "unknown": sum(n for status, n in statuses.items() if status not in STATUSES),
        },
        "by_source": [
            {"source": source, "calls": n, "answered": answered_by_source[source]}
            for source, n in sorted(sources.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def chart_recount(account, provider_account_id: str, start: date, end: date, interval: str) -> list[dict]:
    calls = calls_in(account, provider_account_id, start, end)
    return chart_of(calls, account.timezone, start, end, interval)


def campaign_chart_recount(campaign, start: date, end: date, interval: str, provider: str | None = None) -> list[dict]:
    calls = campaign_calls_in(campaign, start, end, provider)
    return chart_of(calls, campaign.account.timezone, start, end, interval)


def chart_of(calls: list[dict], timezone: str, start: date, end: date, interval: str) -> list[dict]:
    tz = ZoneInfo(timezone)
    if interval == "hour":
        # Every real local hour of the range: 23 on the day clocks go forward; the repeated hour of
        # the day they go back is one bucket (its first occurrence).
        low = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
        high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
        axis: dict[tuple, datetime] = {}
        while low < high:
            local = low.astimezone(tz)
            axis.setdefault((local.date(), local.hour), local)
            low += timedelta(hours=1)

        def bucket(local: datetime) -> tuple:
            return local.date(), local.hour
    else:
        step = 7 if interval == "week" else 1
        first = start - timedelta(days=start.weekday()) if interval == "week" else start
        days = [first + timedelta(days=n) for n in range(0, (end - first).days + 1, step)]
        axis = {(day, 0): datetime.combine(day, time.min, tzinfo=tz) for day in days}

        def bucket(local: datetime) -> tuple:
            day = local.date()
            return (day - timedelta(days=day.weekday()) if interval == "week" else day), 0

    rows = {key: {"total": 0, "answered": 0, "missed": 0, "duration": 0} for key in axis}
    for call in calls:
        row = rows[bucket(call["local"])]
        row["total"] += 1
        row["answered"] += call["status"] == "answered"
        row["missed"] += call["status"] in ("missed", "canceled")
        row["duration"] += call["duration"]
    return [{"start": axis[key].isoformat(), **rows[key]} for key in axis]
