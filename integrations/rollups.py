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
    if not deltas:
        return
    if connection.vendor == "postgresql":
        rows = _rows_by_model(deltas)
        for chunk in _chunks(rows):
            _apply_in_one_statement(chunk)
        return
    for (model, key), delta in deltas.items():
        _add(model, dict(zip(model.KEY, key, strict=True)), delta)


ROLLUP_MODELS = (CallDailyRollup, CallHourlyRollup, CampaignDailyMetric, CampaignHourlyMetric)
CHUNK = 1000  # rows per statement (at most 14 parameters each: far under PostgreSQL's 65,535)


def _chunks(rows: dict) -> list[dict]:
    """The rows, table by table in one order and in key order within each, cut into statements of
    at most CHUNK rows (a sync or backfill of thousands of calls)."""
    chunks: list[dict] = [{}]
    size = 0
    for model in ROLLUP_MODELS:
        found = rows.get(model, [])
        for start in range(0, len(found), CHUNK):
            part = found[start : start + CHUNK]
            if size + len(part) > CHUNK:
                chunks.append({})
                size = 0
            chunks[-1][model] = part
            size += len(part)
    return [chunk for chunk in chunks if chunk]


def _apply_in_one_statement(rows_by_model: dict) -> None:
    """Every rollup row's change in one round trip (PostgreSQL): rows that only gain are upserted
    (INSERT ... ON CONFLICT DO UPDATE adds to the stored counters, or creates the row); rows that
    lose something (a call moving away, a status changing) exist already and are updated in place
    (an insert of a negative counter would fail its CHECK before the conflict is seen). Rows are
    written in key order, table by table, so concurrent writers take their locks in one order."""
    # Only table and column names (from the models) and placeholders are written into the SQL.
    parts, params = [], []
    for n, (model, rows) in enumerate(rows_by_model.items()):
        table = connection.ops.quote_name(model._meta.db_table)
        fields = [model._meta.get_field(name) for name in (*model.KEY, *CallCounters.COUNTERS)]
        columns = [connection.ops.quote_name(field.column) for field in fields]
        keys, counters = columns[: len(model.KEY)], columns[len(model.KEY) :]
        gains = [row for row in rows if min(row[len(model.KEY) :]) >= 0]
        losses = [row for row in rows if min(row[len(model.KEY) :]) < 0]
        if gains:
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(gains))
            added = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in counters)
            parts.append(
                f"g{n} AS (INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added})"
            )
            params += [value for row in gains for value in row]
        if losses:
            typed = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields) + ")"
            added = ", ".join(f"{c} = {table}.{c} + v.{c}" for c in counters)
            matched = " AND ".join(f"{table}.{c} = v.{c}" for c in keys)
            parts.append(
                f"l{n} AS (UPDATE {table} SET {added} FROM (VALUES {', '.join([typed] * len(losses))}) "  # noqa: S608
                f"AS v ({', '.join(columns)}) WHERE {matched})"
            )
            params += [value for row in losses for value in row]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT 1", params)


def _rows_by_model(deltas: dict) -> dict[type[CallCounters], list[tuple]]:
    """Each model's rows (its key, then every counter's change), in key order."""
    rows: dict[type[CallCounters], list[tuple]] = defaultdict(list)
    for (model, key), delta in deltas.items():
        rows[model].append((*key, *(delta.get(column, 0) for column in CallCounters.COUNTERS)))
    return {model: sorted(found, key=lambda row: [str(value) for value in row]) for model, found in rows.items()}


def _add(model: type[models.Model], key: dict, delta: dict[str, int]) -> None:
    increments = {column: F(column) + value for column, value in delta.items()}
    if model.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():  # savepoint: a concurrent insert of the same row is not fatal
            model.objects.create(**key, **delta)
    except IntegrityError:
        model.objects.filter(**key).update(**increments)
