"""The bench/summary data set: accounts of varied size over two years, loaded with COPY, rollups
built by the project's rebuild service, then stored in day order (as months of live writes leave
them). Kept between runs while its parameters (its key) are the same and it is a week old at most."""

import hashlib
import json
import math
import random
import time
from bisect import bisect
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from bench.common import CALL_COLUMNS

VERSION = 1  # bump when the generator changes: the key changes and the data set is loaded again
DAY_ORDER = 2  # bump when the rollups' order on disk changes: they are ordered again, nothing reloaded
PREFIX = "bench-summary"
PASSWORD = "Bench-pass-123"
CTM = "calltrackingmetrics"
OTHER_PROVIDERS = ["marketingedge", "callrail"]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Tokyo",
    "UTC",
]
COMMON_SOURCES = ["Google Ads", "Google Organic", "Direct", "Facebook", "Bing Ads", "Yelp", "Referral", ""]
STATUSES = ["answered"] * 64 + ["missed"] * 20 + ["canceled"] * 9 + ["failed"] * 3 + ["in_progress"] * 1
# Calls by local hour (business hours) and by weekday (Monday first).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 20, 20, 18, 18, 19, 18, 16, 12, 8, 6, 4, 3, 2, 1]
WEEKDAY_WEIGHTS = [10, 10, 10, 10, 9, 5, 3]


@dataclass(frozen=True)
class Params:
    big_accounts: int
    big_calls: int
    small_accounts: int
    small_min: int
    small_max: int
    sources: int
    days: int
    seed: int = 42

    def key(self) -> str:
        text = json.dumps({**asdict(self), "version": VERSION}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]


def owner_email(index: int) -> str:
    return f"{PREFIX}-{index}@bench.example"


@dataclass
class Plan:
    """One account of the data set, before it is written."""

    index: int
    calls: int
    timezone: str
    sources: list[str]
    source_weights: list[float]
    provider_accounts: list[tuple[str, str, float]]  # provider, provider account id, share of calls
    campaigns: list[tuple[str, list[str]]]  # name, tracking numbers


def source_names(count: int) -> list[str]:
    names = list(COMMON_SOURCES)
    n = 0
    while len(names) < count:
        n += 1
        names.append(f"Source {n:03d}")
    return names[:count]


def plans(params: Params) -> list[Plan]:
    rng = random.Random(params.seed)
    names = source_names(params.sources)
    result = []
    for index in range(params.big_accounts + params.small_accounts):
        big = index < params.big_accounts
        if big:
            calls = params.big_calls
        else:  # log-uniform between small_min and small_max
            calls = int(math.exp(rng.uniform(math.log(params.small_min), math.log(params.small_max))))
        k = 40 if big else rng.randint(3, 15)
        common = rng.sample(COMMON_SOURCES, min(len(COMMON_SOURCES), k // 2 + 1))
        others = rng.sample(names[len(COMMON_SOURCES) :], max(0, k - len(common)))
        sources = common + others
        weights = [1 / (rank + 1) for rank in range(len(sources))]  # Zipf: a few sources bring most calls
        if big:
            accounts = [(CTM, f"{index}-main", 0.85), (CTM, f"{index}-second", 0.15)]
        elif rng.random() < 0.2:
            accounts = [(CTM, f"{index}-main", 0.8), (rng.choice(OTHER_PROVIDERS), f"{index}-other", 0.2)]
        else:
            accounts = [(CTM, f"{index}-main", 1.0)]
        campaigns = []
        for c in range(5 if big else rng.randint(1, 4)):
            numbers = [f"+1{rng.randint(200, 999)}555{rng.randint(0, 9999):04d}" for _ in range(rng.randint(1, 3))]
            campaigns.append((f"Campaign {index}-{c}", numbers))
        result.append(Plan(index, calls, ZONES[index % len(ZONES)], sources, weights, accounts, campaigns))
    return result


# --- the marker: which data set the database holds ---------------------------------------------

MARKER = "bench_summary_dataset"


def stored_key(cursor) -> tuple[str, date] | None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (key text, loaded_on date, params jsonb)")
    cursor.execute(f"ALTER TABLE {MARKER} ADD COLUMN IF NOT EXISTS day_order int NOT NULL DEFAULT 1")
    cursor.execute(f"SELECT key, loaded_on FROM {MARKER}")
    row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def reusable(params: Params) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        stored = stored_key(cursor)
    return stored is not None and stored[0] == params.key() and (datetime.now(UTC).date() - stored[1]).days <= 7


# --- loading ------------------------------------------------------------------------------------


def load(params: Params) -> None:
    """Empty the bench's tables and write the data set (the database is the bench's own)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import Account, Membership
    from integrations.models import Call, CallSyncState, Campaign, Key, tracked_numbers_sync

    started = time.perf_counter()
    account_plans = plans(params)
    with connection.cursor() as cursor:
        stored_key(cursor)
        cursor.execute(f"DELETE FROM {MARKER}")
        tables = [Account, get_user_model(), Call]
        names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        cursor.execute(f"TRUNCATE {names} CASCADE")

    User = get_user_model()
    password = make_password(PASSWORD)  # one hash for every owner: 1,000 PBKDF2 runs would take minutes
    accounts = Account.objects.bulk_create(
        [Account(name=f"{PREFIX}-{p.index:04d}", timezone=p.timezone) for p in account_plans]
    )
    users = User.objects.bulk_create(
        [
            User(
                username=owner_email(p.index),
                email=owner_email(p.index),
                password=password,
            )
            for p in account_plans
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, account=a, role=Membership.Role.OWNER) for u, a in zip(users, accounts, strict=True)]
    )
    keys = Key.objects.bulk_create(
        [Key(account=a, username="bench", password="bench", access_key="bench", secret="bench") for a in accounts]
    )
    campaign_ids: list[list[tuple[str, list[str]]]] = []
    sync_states = []
    for plan, account, key in zip(account_plans, accounts, keys, strict=True):
        ids = []
        for name, numbers in plan.campaigns:
            campaign = Campaign.objects.create(
                account=account,
                name=name,
                key=key,
                ctm_account_id=plan.provider_accounts[0][1],
                tracking_numbers=numbers,
            )
            tracked_numbers_sync(campaign=campaign)
            ids.append((str(campaign.pk), numbers))
        campaign_ids.append(ids)
        for provider, provider_account_id, _ in plan.provider_accounts:
            if provider == CTM:
                sync_states.append(
                    CallSyncState(
                        account=account,
                        key=key,
                        provider=provider,
                        provider_account_id=provider_account_id,
                        last_synced_at=datetime.now(UTC) - timedelta(minutes=7),
                    )
                )
    CallSyncState.objects.bulk_create(sync_states)
    print(f"  {len(accounts):,} accounts, keys, campaigns in {time.perf_counter() - started:.0f} s", flush=True)

    t0 = time.perf_counter()
    total = _copy_calls(params, account_plans, accounts, campaign_ids)
    print(f"\r  copied {total:,} calls in {time.perf_counter() - t0:.0f} s" + " " * 30, flush=True)

    from integrations.call_services import call_rollups_rebuild

    t0 = time.perf_counter()
    for n, account in enumerate(accounts):
        call_rollups_rebuild(account=account)
        if n % 50 == 0:
            print(f"\r  rollups rebuilt: {n:,}/{len(accounts):,} accounts", end="", flush=True)
    print(
        f"\r  rollups and campaign metrics built by call_rollups_rebuild in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )

    t0 = time.perf_counter()
    _day_order()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER} (key, loaded_on, params, day_order) VALUES (%s, %s, %s, %s)",
            [params.key(), datetime.now(UTC).date(), json.dumps(asdict(params)), DAY_ORDER],
        )
    print(f"  rollups stored in day order (CLUSTER), VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s", flush=True)


def day_order_ensure() -> None:
    """Order the rollups again if the stored data set was ordered another way."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT day_order FROM {MARKER}")
        if cursor.fetchone()[0] == DAY_ORDER:
            return
    t0 = time.perf_counter()
    _day_order()
    print(f"  rollups stored in day order again (CLUSTER), VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s")


def _day_order() -> None:
    """Rollup and metric rows in the order live writes leave them: a day's rows of every account
    interleaved (a row appears when its first call of the day arrives, whoever's it is), not account
    by account as a rebuild writes them. Within a day the order is a hash of the row's id: CLUSTER
    keeps equal keys in their old order, which would leave each account's rows of a day together."""
    from django.db import connection

    from integrations.models import CallDailyRollup, CallHourlyRollup, CampaignDailyMetric, CampaignHourlyMetric

    with connection.cursor() as cursor:
        for model in (CallDailyRollup, CallHourlyRollup, CampaignDailyMetric, CampaignHourlyMetric):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"CREATE INDEX bench_day_order ON {table} (day, md5(id::text))")
            cursor.execute(f"CLUSTER {table} USING bench_day_order")
            cursor.execute("DROP INDEX bench_day_order")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f"UPDATE {MARKER} SET day_order = %s", [DAY_ORDER])


def _copy_calls(params: Params, account_plans: list[Plan], accounts, campaign_ids) -> int:
    """Every call, written day by day in the order they happened (as the call store receives them)."""
    from django.db import connection, transaction

    from integrations.models import Call

    rng = random.Random(params.seed + 1)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=params.days - 1)
    # Each day's share: weekdays busier, and the business growing by half over the period.
    day_weights = [
        WEEKDAY_WEIGHTS[(first + timedelta(days=d)).weekday()] * (1 + 0.5 * d / params.days) for d in range(params.days)
    ]
    cumulative = list(accumulate(day_weights))
    per_day: list[list[int]] = []
    for plan in account_plans:
        counts = [0] * params.days
        for d in rng.choices(range(params.days), cum_weights=cumulative, k=plan.calls):
            counts[d] += 1
        per_day.append(counts)
    hour_cumulative = list(accumulate(HOUR_WEIGHTS))
    zones = {z: ZoneInfo(z) for z in ZONES}
    now = datetime.now(UTC)
    table = connection.ops.quote_name(Call._meta.db_table)
    total, call_id = sum(p.calls for p in account_plans), 0
    copy_sql = f"COPY {table} ({', '.join(CALL_COLUMNS)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for d in range(params.days):
            day = first + timedelta(days=d)
            rows = []
            for plan, account, campaigns in zip(account_plans, accounts, campaign_ids, strict=True):
                count = per_day[plan.index][d]
                if not count:
                    continue
                tz = zones[plan.timezone]
                midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
                source_cumulative = list(accumulate(plan.source_weights))
                account_cumulative = list(accumulate(share for _, _, share in plan.provider_accounts))
                for _ in range(count):
                    hour = bisect(hour_cumulative, rng.random() * hour_cumulative[-1])
                    started = (midnight + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(UTC)
                    if started > now:
                        started = now - timedelta(seconds=rng.randrange(1, 3600))
                    provider, provider_account_id, _ = plan.provider_accounts[
                        min(
                            bisect(account_cumulative, rng.random() * account_cumulative[-1]),
                            len(account_cumulative) - 1,
                        )
                    ]
                    source = plan.sources[bisect(source_cumulative, rng.random() * source_cumulative[-1])]
                    status = STATUSES[rng.randrange(len(STATUSES))]
                    talk = rng.randint(20, 1200) if status == "answered" else 0
                    if provider == CTM and rng.random() < 0.7:
                        campaign, numbers = campaigns[rng.randrange(len(campaigns))]
                        tracking = numbers[rng.randrange(len(numbers))]
                    else:
                        campaign, tracking = None, f"+1800555{rng.randrange(10000):04d}"
                    call_id += 1
                    rows.append(
                        (
                            account.pk,
                            provider,
                            str(call_id),
                            provider_account_id,
                            tracking,
                            f"+1{rng.randint(2000000000, 9999999999)}",
                            source,
                            "inbound",
                            status,
                            started,
                            talk + rng.randint(3, 30),
                            talk,
                            rng.random() < 0.3,
                            "",
                            campaign,
                            "{}",
                            "[]",
                            "",
                            "{}",
                            "",
                            False,
                            "[]",
                            "{}",
                            "{}",
                            "[]",
                            "",
                            False,
                            status != "in_progress",
                            started,
                            started,
                        )
                    )
            rows.sort(key=lambda row: row[9])
            for row in rows:
                copy.write_row(row)
            if d % 10 == 0:
                print(f"\r  copying calls: day {d + 1}/{params.days}, {call_id:,}/{total:,}", end="", flush=True)
    return call_id
