"""The figures of a summary and a day chart, recounted in plain SQL over the call rows.

Nothing here comes from the project's selectors, rollups or their sums: the rows are grouped by the
account's local day in SQL (`AT TIME ZONE`), and the answer is shaped from the API's documented
definitions, so a mistake in the rollups (or in how they are kept in step) cannot agree with it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

STATUSES = ("answered", "canceled", "failed", "in_progress", "missed")


def recount(
    cursor,
    *,
    timezone: str,
    start: date,
    end: date,
    account_id,
    provider: str | None = None,
    provider_account_id: str | None = None,
    campaign_id=None,
) -> tuple[dict, list[dict]]:
    """Summary and day chart of the calls of an account's provider account, or of a campaign."""
    if campaign_id is not None:
        whose, params = "account_id = %s AND campaign_id = %s", [account_id, campaign_id]
        if provider:
            whose, params = whose + " AND provider = %s", [*params, provider]
    else:
        whose = "account_id = %s AND provider = %s AND provider_account_id = %s"
        params = [account_id, provider, provider_account_id]
    where = (
        f"FROM integrations_call WHERE {whose} AND started_at >= (%s::date::timestamp AT TIME ZONE %s)"
        " AND started_at < ((%s::date + 1)::timestamp AT TIME ZONE %s)"
    )
    params += [start, timezone, end, timezone]
    cursor.execute(
        "SELECT count(*), "
        + "".join(f"count(*) FILTER (WHERE status = '{s}'), " for s in STATUSES)
        + "coalesce(sum(duration), 0), coalesce(sum(talk_time), 0), count(*) FILTER (WHERE is_first_time_caller) "
        + where,
        params,
    )
    total, *by_status, duration, talk_time, first_time = cursor.fetchone()
    cursor.execute(
        f"SELECT source, count(*), count(*) FILTER (WHERE status = 'answered') {where} GROUP BY source", params
    )
    sources = cursor.fetchall()
    cursor.execute(
        "SELECT (started_at AT TIME ZONE %s)::date, count(*), count(*) FILTER (WHERE status = 'answered'),"
        " count(*) FILTER (WHERE status IN ('missed', 'canceled')), coalesce(sum(duration), 0) "
        f"{where} GROUP BY 1",
        [timezone, *params],
    )
    days = {day: figures for day, *figures in cursor.fetchall()}
    counts = dict(zip(STATUSES, by_status, strict=True))
    answered, finished = counts["answered"], total - counts["in_progress"]
    summary = {
        "total": total,
        "answered": answered,
        "missed": counts["missed"] + counts["canceled"],
        "answer_rate": round(answered / finished, 4) if finished else 0.0,
        "duration": {"total": duration, "average": round(duration / total, 1) if total else 0.0},
        "talk_time": {"total": talk_time, "average_per_answered": round(talk_time / answered, 1) if answered else 0.0},
        "first_time_callers": first_time,
        "by_status": {**counts, "unknown": total - sum(by_status)},
        "by_source": [
            {"source": source, "calls": calls, "answered": answered}
            for source, calls, answered in sorted(sources, key=lambda row: (-row[1], row[0]))
        ],
    }
    chart = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        calls, answered, missed, duration = days.get(day, (0, 0, 0, 0))
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).isoformat()
        chart.append({"start": midnight, "total": calls, "answered": answered, "missed": missed, "duration": duration})
    return summary, chart


def differences(api: object, recounted: object, path: str = "") -> list[str]:
    """Every figure that differs, by its path in the answer (empty: all equal)."""
    if isinstance(recounted, dict) and isinstance(api, dict):
        found = [f"{path}.{k}: missing from the API" for k in recounted.keys() - api.keys()]
        for k in recounted.keys() & api.keys():
            found += differences(api[k], recounted[k], f"{path}.{k}")
        return found
    if isinstance(recounted, list) and isinstance(api, list):
        if len(api) != len(recounted):
            return [f"{path}: {len(api)} items in the API, {len(recounted)} recounted"]
        return [
            d for n, (a, r) in enumerate(zip(api, recounted, strict=True)) for d in differences(a, r, f"{path}[{n}]")
        ]
    return [] if api == recounted else [f"{path}: API {api!r}, recount {recounted!r}"]
