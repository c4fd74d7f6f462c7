"""Rollups kept in step with calls: what a call contributes, and applying the difference.

Every write to a call goes through `rollups_apply(before=..., after=...)` inside the same
transaction, so daily/hourly/campaign rollups always equal a recount from raw calls.

On PostgreSQL a batch's deltas are summed per row in Python and written with at most two statements
per rollup table, whatever the batch's size: one `INSERT ... ON CONFLICT DO UPDATE` adding the
deltas that add only, and one `UPDATE ... FROM (VALUES ...)` for those that take something away (a
call that moved out of a status, a day or a source). They cannot share the insert: PostgreSQL checks
the proposed row (negative counters) against the tables' `>= 0` checks before it looks for a
conflict, and a row that loses a call exists already (a call was counted in it). Rows are written in
key order, so two batches touching the same rows lock them in the same order. Elsewhere (SQLite) each
row is one update, or an insert when it is new.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Q, Sum

from integrations.events import CallStatus
from integrations.models import (
    CallCounters,
    CallDailyRollup,
    CallHourlyRollup,
    CampaignDailyMetric,
    CampaignHourlyMetric,
)

# A rollup counts every status in its own column but `unknown` (what is left of `calls`).
STATUS_COLUMNS = frozenset(status.value for status in CallStatus if status is not CallStatus.UNKNOWN)
# The same counters, summed from raw calls (rebuilding rollups).
RAW_SUMS = {
    "calls": Count("id"),
    **{status: Count("id", filter=Q(status=status)) for status in STATUS_COLUMNS},
    "first_time_callers": Count("id", filter=Q(is_first_time_caller=True)),
    "duration": Sum("duration"),
    "talk_time": Sum("talk_time"),
}


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class CallFacts:
    """The fields of a call that rollups depend on (a snapshot, before or after a write)."""

    account_id: object
    timezone: str
    provider: str
    provider_account_id: str
    source: str
    status: str
    started_at: object
    duration: int
    talk_time: int
    is_first_time_caller: bool
    campaign_id: object

    @classmethod
    def of(cls, call, *, timezone: str) -> "CallFacts":
        return cls(
            account_id=call.account_id,
            timezone=timezone,
            provider=call.provider,
            provider_account_id=call.provider_account_id,
            source=call.source,
            status=call.status,
            started_at=call.started_at,
            duration=call.duration,
            talk_time=call.talk_time,
            is_first_time_caller=call.is_first_time_caller,
            campaign_id=call.campaign_id,
        )

    def counters(self) -> dict[str, int]:
        values = {
            "calls": 1,
            "first_time_callers": int(self.is_first_time_caller),
            "duration": self.duration,
            "talk_time": self.talk_time,
        }
        if self.status in STATUS_COLUMNS:
            values[self.status] = 1
        return values

    def buckets(self) -> list[tuple[type[CallCounters], tuple]]:
        local = self.started_at.astimezone(zone(self.timezone))
        day: date = local.date()
        buckets: list[tuple[type[CallCounters], tuple]] = [
            (CallDailyRollup, (self.account_id, self.provider, self.provider_account_id, self.source, day)),
            (CallHourlyRollup, (self.account_id, self.provider, self.provider_account_id, day, local.hour)),
        ]
        if self.campaign_id:
            buckets += [
                (CampaignDailyMetric, (self.campaign_id, self.provider, self.source, day)),
                (CampaignHourlyMetric, (self.campaign_id, self.provider, day, local.hour)),
            ]
        return buckets


def rollup_deltas(*, before: Iterable[CallFacts], after: Iterable[CallFacts]) -> dict:
    """Net change per rollup row: what `after` contributes minus what `before` did (zeros dropped)."""
    deltas: dict[tuple[type[CallCounters], tuple], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sign, facts_list in ((-1, before), (1, after)):
        for facts in facts_list:
            counters = facts.counters()
            for bucket in facts.buckets():
                for column, value in counters.items():
                    deltas[bucket][column] += sign * value
    return {bucket: {c: v for c, v in delta.items() if v} for bucket, delta in deltas.items() if any(delta.values())}


def rollups_apply(*, before: Iterable[CallFacts] = (), after: Iterable[CallFacts] = ()) -> None:
    """Move the rollups from what `before` contributed to what `after` contributes."""
    deltas = rollup_deltas(before=before, after=after)
    if connection.vendor != "postgresql":
        for (model, key), delta in deltas.items():
            _add(model, dict(zip(model.KEY, key, strict=True)), delta)
        return
    per_model: dict[type[CallCounters], list[tuple[tuple, dict[str, int]]]] = defaultdict(list)
    for (model, key), delta in deltas.items():
        per_model[model].append((key, delta))
    for model in ROLLUP_MODELS:
        rows = sorted(per_model.get(model, ()), key=lambda row: row[0])
        adding = [row for row in rows if min(row[1].values()) >= 0]
        taking = [row for row in rows if min(row[1].values()) < 0]
        for start in range(0, len(adding), CHUNK):
            _rows_upsert(model, adding[start : start + CHUNK])
        for start in range(0, len(taking), CHUNK):
            _rows_update(model, taking[start : start + CHUNK])


ROLLUP_MODELS = (CallDailyRollup, CallHourlyRollup, CampaignDailyMetric, CampaignHourlyMetric)
CHUNK = 1000  # rows per statement (14 parameters each: far under PostgreSQL's 65,535)


def _columns(model: type[CallCounters]) -> tuple[list[str], list[str]]:
    quote = connection.ops.quote_name
    key = [quote(model._meta.get_field(name).column) for name in model.KEY]
    return key, [quote(model._meta.get_field(name).column) for name in CallCounters.COUNTERS]


def _values(rows: list[tuple[tuple, dict[str, int]]]) -> tuple[str, list]:
    width = len(rows[0][0]) + len(CallCounters.COUNTERS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    params = [value for key, delta in rows for value in (*key, *(delta.get(c, 0) for c in CallCounters.COUNTERS))]
    return placeholders, params


def _rows_upsert(model: type[CallCounters], rows: list[tuple[tuple, dict[str, int]]]) -> None:
    """Rows whose deltas only add: created, or added to if they exist (a concurrent insert included)."""
    key, counters = _columns(model)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders, params = _values(rows)
    increments = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in counters)
    # Only names from the models and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(key + counters)}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {increments}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rows_update(model: type[CallCounters], rows: list[tuple[tuple, dict[str, int]]]) -> None:
    """Rows whose deltas take something away: they exist (what is taken away was counted in them)."""
    key, counters = _columns(model)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders, params = _values(rows)
    increments = ", ".join(f"{c} = {table}.{c} + v.{c}" for c in counters)
    match = " AND ".join(f"{table}.{c} = v.{c}" for c in key)
    sql = (
        f"UPDATE {table} SET {increments} FROM (VALUES {placeholders}) AS v ({', '.join(key + counters)}) "  # noqa: S608
        f"WHERE {match}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _add(model: type[models.Model], key: dict, delta: dict[str, int]) -> None:
    increments = {column: F(column) + value for column, value in delta.items()}
    if model.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():  # savepoint: a concurrent insert of the same row is not fatal
            model.objects.create(**key, **delta)
    except IntegrityError:
        model.objects.filter(**key).update(**increments)
