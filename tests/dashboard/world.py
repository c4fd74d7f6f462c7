"""Calls from several providers and accounts (in different time zones) over the dashboard's last 30
days and a little before, written through the call store's own service so the rollups are the real ones."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import Account
from accounts.services import account_create
from integrations.call_changes import Origin
from integrations.call_services import calls_upsert
from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import Campaign, Key

PASSWORD = "Correct-Horse-9"
STATUSES = [CallStatus.ANSWERED] * 6 + [
    CallStatus.MISSED,
    CallStatus.MISSED,
    CallStatus.CANCELED,
    CallStatus.FAILED,
    CallStatus.IN_PROGRESS,
    CallStatus.UNKNOWN,
]
SOURCES = ["Google Ads", "Google Organic", "Facebook", "Direct", "Yelp", "Billboard", ""]


@dataclass
class World:
    accounts: dict[str, Account] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)  # CTM credentials per account name
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    provider_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (account name, provider, id)


# (account name, time zone, [(provider, provider account, tracking numbers of a campaign or None)])
LAYOUT = [
    (
        "Acme Dental",
        "America/New_York",
        [
            ("calltrackingmetrics", "25001", ("Fall Promotion", ["+15559876543"])),
            ("marketingedge", "me-77", ("Open House", None)),  # the endpoint's campaign (fallback)
        ],
    ),
    ("Bayside Realty", "Asia/Tokyo", [("calltrackingmetrics", "25002", None), ("callrail", "ACC-9", None)]),
    ("Corner Cafe", "UTC", [("calltracker", "ct-1", ("Lunch Specials", ["+15550001111"]))]),
]


def _event(rng: random.Random, *, provider: str, provider_account_id: str, n: int, started_at: datetime, tracking: str):
    status = rng.choice(STATUSES)
    talk = rng.randint(5, 1500) if status is CallStatus.ANSWERED else 0
    return CallEvent(
        provider=provider,
        provider_call_id=f"{provider_account_id}-{n}",
        provider_account_id=provider_account_id,
        kind=CallEventKind.RECEIVED if status is CallStatus.IN_PROGRESS else CallEventKind.COMPLETED,
        started_at=started_at,
        status=status,
        direction=CallDirection.INBOUND,
        tracking_number=tracking,
        caller_number=f"+1555{rng.randint(1000000, 9999999)}",
        source=rng.choice(SOURCES),
        duration=talk + rng.randint(0, 40),
        talk_time=talk,
        is_first_time_caller=rng.random() < 0.35,
    )


def _times(rng: random.Random, tz: ZoneInfo, today, calls: int) -> list[datetime]:
    """Call times over the 33 local days up to now, many of them close to local midnight (the day
    boundaries the dashboard and the API must agree on), never in the future."""
    now = datetime.now(UTC)
    times = []
    while len(times) < calls:
        day = today - timedelta(days=rng.randint(-1, 33))
        if rng.random() < 0.3:
            moment = time(23, 59, rng.randint(0, 59)) if rng.random() < 0.5 else time(0, 0, rng.randint(0, 59))
        else:
            moment = time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        started = datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)
        if started <= now:
            times.append(started)
    return times


def build_world(*, calls_per_provider_account: int = 30, seed: int = 11, prefix: str = "") -> World:
    rng = random.Random(seed)
    world = World()
    for n, (name, tz_name, providers) in enumerate(LAYOUT, start=1):
        name = prefix + name
        email = f"owner{n}@{name.replace(' ', '-').lower()}.example"
        account = account_create(name=name, owner_email=email, owner_password=PASSWORD)
        account.timezone = tz_name
        account.save()
        world.accounts[name] = account
        world.keys[name] = Key.objects.create(
            account=account, username=f"ctm-{n}", password="ctm-pass", access_key=f"AK{n}", secret=f"SK{n}"
        )
        tz = ZoneInfo(tz_name)
        today = datetime.now(tz).date()
        for provider, provider_account_id, campaign in providers:
            world.provider_accounts.append((name, provider, provider_account_id))
            fallback, tracking = None, ""
            if campaign is not None:
                campaign_name, numbers = campaign
                world.campaigns[campaign_name] = created = Campaign.objects.create(
                    account=account,
                    name=campaign_name,
                    integration=provider,
                    ctm_account_id=provider_account_id if numbers else "",
                    tracking_numbers=numbers or [],
                )
                if numbers:
                    tracking = numbers[0]
                else:
                    fallback = created
            items = []
            for i, started in enumerate(_times(rng, tz, today, calls_per_provider_account)):
                attributed = tracking if i % 4 else ""  # a quarter of the calls on another number
                event = _event(
                    rng,
                    provider=provider,
                    provider_account_id=provider_account_id,
                    n=i,
                    started_at=started,
                    tracking=attributed,
                )
                items.append((event, fallback if i % 3 else None))
            with transaction.atomic():
                calls_upsert(origin=Origin.BACKFILL, account=account, items=items)
    return world


def build_health(world: World, *, now: datetime | None = None) -> dict:
    """What the health panels show, as rows (not traffic): an endpoint delivering every 30 minutes with
    a few failures, one that went quiet, the shared URL's rejections, a delivery waiting for 10 minutes,
    two provider syncs (one failing), and failed notification deliveries."""
    from integrations.models import CallSyncState, WebhookDelivery, WebhookEndpoint
    from notifications.models import Channel, Event, Notification, NotificationDelivery

    now = now or datetime.now(UTC)
    acme, bayside = world.accounts["Acme Dental"], world.accounts["Bayside Realty"]
    busy = WebhookEndpoint.objects.create(
        provider="calltrackingmetrics",
        account=acme,
        key=world.keys["Acme Dental"],
        name="Acme main line",
        campaign=world.campaigns["Fall Promotion"],
        provider_account_id="25001",
    )
    quiet = WebhookEndpoint.objects.create(provider="callrail", account=bayside, name="Bayside CallRail")
    Status = WebhookDelivery.Status

    def delivery(endpoint, account, at, status, **fields):
        provider = endpoint.provider if endpoint else "calltrackingmetrics"
        return WebhookDelivery(
            provider=provider,
            endpoint=endpoint,
            account=account,
            received_at=at,
            path="/v1/e/.../",
            body=b"{}",
            valid=status not in (Status.INVALID,),
            status=status,
            **fields,
        )

    rows = []
    for n in range(7 * 48):  # every 30 minutes for a week
        at = now - timedelta(minutes=30 * n + 7)
        status = Status.PROCESSED
        fields = {}
        if n in (3, 9, 20):
            status, fields = Status.FAILED, {"last_error": "KeyError: 'call'", "attempts": 5}
        elif n in (5, 31):
            status, fields = Status.INVALID, {"error_code": "SIGNATURE_INVALID"}
        elif n % 17 == 0:
            status = Status.DUPLICATE
        rows.append(delivery(busy, acme, at, status, **fields))
    rows.append(delivery(busy, acme, now - timedelta(minutes=10), Status.PENDING))
    for n in range(60):  # every 20 minutes until 5 hours ago
        rows.append(delivery(quiet, bayside, now - timedelta(hours=5, minutes=20 * n), Status.PROCESSED))
    for n in range(6):
        rows.append(
            delivery(None, None, now - timedelta(hours=3 * n + 1), Status.UNMATCHED, error_code="UNKNOWN_ACCOUNT")
        )
    WebhookDelivery.objects.bulk_create(rows)

    CallSyncState.objects.create(
        account=acme,
        key=world.keys["Acme Dental"],
        provider_account_id="25001",
        watermark=int((now - timedelta(minutes=42)).timestamp()),
        last_synced_at=now - timedelta(minutes=4),
        calls_synced=18_240,
    )
    CallSyncState.objects.create(
        account=bayside,
        key=world.keys["Bayside Realty"],
        provider_account_id="25002",
        watermark=int((now - timedelta(days=1, hours=2)).timestamp()),
        last_synced_at=now - timedelta(hours=3, minutes=12),
        calls_synced=5_310,
        last_error="CTM answered 401 Unauthorized: the access key was revoked",
    )

    owner = acme.memberships.get().user
    for channel, status, error in (
        (Channel.EMAIL, NotificationDelivery.Status.FAILED, "SMTP 550: mailbox unavailable"),
        (Channel.PUSH, NotificationDelivery.Status.RETRY, "FCM 503: service unavailable"),
    ):
        notification = Notification.objects.create(account=acme, recipient=owner, event=Event.WEBHOOK_FAILING)
        NotificationDelivery.objects.create(
            notification=notification, channel=channel, status=status, attempts=3, last_error=error
        )
    return {"busy": busy, "quiet": quiet}
