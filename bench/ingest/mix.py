"""The realistic mix bench/ingest sends: tenants, and a stream of signed deliveries for their calls.

Tenants (kept in the bench database between runs, recreated when the layout below changes):
- 1,000 accounts in 5 time zones; accounts 600-999 are sub-accounts of accounts 0-99 (their
  notifications go to the parent's owner too). Each owner wants `call_received` and `call_missed`
  in the app and by email (the defaults are off), so every new call and every missed call notifies.
- every account: a CTM key (its API secret signs the account's deliveries), a CTM campaign and the
  per-endpoint CTM webhook URL with its Basic-auth login;
- accounts 0-149 also a Marketing Edge endpoint (HMAC `ms-signature`), accounts 150-299 a Call
  Tracker endpoint (`?token=`), each for a campaign of its own;
- every tenth account an outbound webhook (trigger `end`) to a local receiver.

Traffic: calls start at a steady pace across the tenants (busier tenants get more calls: weights
1/(1+i/50)); 70 % CTM, 15 % Marketing Edge, 15 % Call Tracker. Each call is a start, an update and an
end delivery (CTM `call.received`, `call.updated`, `call.completed`; Marketing Edge `CallStartCall`,
`CallPreprocessed`, `CallProcessed`; Call Tracker `call.received`, `call.recording.available`,
`call.finished`) spread over the next seconds of the stream, so thousands of calls are in progress at
once; a quarter of the calls are missed. 10 % of the deliveries are sent again a little later, the
way each provider retries: CTM and Call Tracker the same request, Marketing Edge the same `Id` with
the next `Attempt`, signed again. Signatures are computed here, by the bench's own HMAC code.
"""

import base64
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ACCOUNTS = 1000
ME_ACCOUNTS = range(0, 150)
CT_ACCOUNTS = range(150, 300)
PARENTS = 100  # accounts 0-99 are parents of accounts 600-999
FIRST_CHILD = 600
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London")
LAYOUT = "mix-v1"  # the tenants' layout; another value recreates them
PREFIX = "bench-mix-"
PROVIDER_WEIGHTS = (("calltrackingmetrics", 0.70), ("marketingedge", 0.15), ("calltracker", 0.15))
DUPLICATE_SHARE = 0.10
MISSED_SHARE = 0.25
FORWARDED_PROTO = {"X-Forwarded-Proto": "https"}  # as behind the TLS-terminating proxy of production
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Tenant:
    index: int
    account_id: str
    ctm_path: str
    ctm_login: tuple[str, str]
    ctm_secret: str
    ctm_account_id: str
    tracking_number: str
    me_path: str = ""
    me_secret: str = ""
    ct_path: str = ""
    ct_token: str = ""


def tenants_ensure(*, outbound_url: str) -> list[Tenant]:
    """The 1,000 tenants, created on the first run (about a minute) and read back on later ones."""
    from accounts.models import Account

    if Account.objects.filter(name=f"{PREFIX}{LAYOUT}").exists():
        tenants = _tenants_read()
        if len(tenants) == ACCOUNTS:
            _outbound_point(outbound_url)
            return tenants
    _tenants_create(outbound_url=outbound_url)
    return _tenants_read()


def _tenants_create(*, outbound_url: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accounts.models import Account, Membership
    from integrations.models import Campaign, Key, WebhookEndpoint
    from integrations.webhooks.endpoints import webhook_endpoint_create
    from notifications.models import Channel, Event, NotificationPreference
    from outbound.services import outbound_webhook_create

    user_model = get_user_model()
    Account.objects.filter(name__startswith=PREFIX).delete()
    user_model.objects.filter(email__endswith="@mix.bench.example").delete()
    started = time.monotonic()
    with transaction.atomic():
        accounts: list[Account] = []
        for i in range(ACCOUNTS):
            parent = accounts[i % PARENTS] if i >= FIRST_CHILD else None
            account = Account.objects.create(name=f"{PREFIX}{i:04d}", parent=parent, timezone=ZONES[i % len(ZONES)])
            owner = user_model(username=f"owner{i}@mix.bench.example", email=f"owner{i}@mix.bench.example")
            owner.set_unusable_password()  # no login needed; PBKDF2 would take minutes for 1,000 owners
            owner.save()
            Membership.objects.create(user=owner, account=account, role=Membership.Role.OWNER)
            NotificationPreference.objects.bulk_create(
                NotificationPreference(user=owner, event=event, channel=channel, enabled=True)
                for event in (Event.CALL_RECEIVED, Event.CALL_MISSED)
                for channel in (Channel.IN_APP, Channel.EMAIL)
            )
            ctm_account_id = str(40000 + i)
            key = Key.objects.create(
                account=account,
                username=f"bench{i}",
                password="bench",
                access_key=f"bench-access-{i}",
                secret=f"bench-ctm-secret-{i}",
                ctm_default_account_id=ctm_account_id,
            )
            campaign = Campaign.objects.create(
                account=account,
                name=f"CTM {i}",
                key=key,
                ctm_account_id=ctm_account_id,
                tracking_numbers=[_tracking_number(i)],
            )
            WebhookEndpoint.objects.create(
                provider="calltrackingmetrics",
                account=account,
                key=key,
                campaign=campaign,
                provider_account_id=ctm_account_id,
                events=["call.received", "call.updated", "call.completed"],
                basic_username=f"hook-{i}",
                basic_password=f"hook-password-{i}",
            )
            for provider, indexes in (("marketingedge", ME_ACCOUNTS), ("calltracker", CT_ACCOUNTS)):
                if i in indexes:
                    own = Campaign.objects.create(account=account, name=f"{provider} {i}", integration=provider)
                    webhook_endpoint_create(account=account, provider=provider, campaign=own)
            if i % 10 == 0:
                outbound_webhook_create(account=account, name="CRM", url=outbound_url, trigger="end")
            accounts.append(account)
        Account.objects.create(name=f"{PREFIX}{LAYOUT}")  # the marker: the layout is complete
    print(f"   created {ACCOUNTS} tenants in {time.monotonic() - started:.0f} s")


def _outbound_point(url: str) -> None:
    """The outbound receiver's port changes between runs: point the tenants' webhooks at it."""
    from outbound.models import OutboundWebhook

    OutboundWebhook.objects.filter(account__name__startswith=PREFIX).update(
        url=url, active=True, status=OutboundWebhook.Status.ACTIVE
    )


def _tenants_read() -> list[Tenant]:
    from accounts.models import Account
    from integrations.models import WebhookEndpoint

    endpoints: dict[tuple[str, str], WebhookEndpoint] = {
        (str(e.account_id), e.provider): e
        for e in WebhookEndpoint.objects.filter(account__name__startswith=PREFIX).select_related("key")
    }
    tenants = []
    for account in Account.objects.filter(name__startswith=PREFIX).exclude(name=f"{PREFIX}{LAYOUT}").order_by("name"):
        i = int(account.name.removeprefix(PREFIX))
        ctm = endpoints[(str(account.pk), "calltrackingmetrics")]
        me = endpoints.get((str(account.pk), "marketingedge"))
        ct = endpoints.get((str(account.pk), "calltracker"))
        tenants.append(
            Tenant(
                index=i,
                account_id=str(account.pk),
                ctm_path=f"/v1/e/calltrackingmetrics/webhook/{ctm.pk}/",
                ctm_login=(ctm.basic_username, ctm.basic_password),
                ctm_secret=ctm.key.secret,
                ctm_account_id=ctm.provider_account_id,
                tracking_number=_tracking_number(i),
                me_path=f"/v1/e/marketingedge/webhook/{me.pk}/" if me else "",
                me_secret=me.signing_secret if me else "",
                ct_path=f"/v1/e/calltracker/webhook/{ct.pk}/" if ct else "",
                ct_token=ct.credential if ct else "",
            )
        )
    return tenants


def _tracking_number(i: int) -> str:
    return f"+1555{i:07d}"


# --- the stream ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    at: float  # the call's own clock, seconds into the stream (orders the stream)
    provider: str
    call: str  # provider + call id: what the lag is measured for
    kind: str  # start / update / end / retry
    path: str
    headers: dict[str, str]
    body: str

    def line(self) -> str:
        return json.dumps({"path": self.path, "headers": self.headers, "body": self.body, "call": self.call})


def stream(tenants: list[Tenant], *, calls: int, first_call: int, calls_per_second: float, seed: int) -> list[Request]:
    """`calls` calls starting at `calls_per_second` (the stream's own clock), their deliveries and
    retries in the order they are due."""
    rng = random.Random(seed)
    weights = [1 / (1 + t.index / 50) for t in tenants]
    by_provider = {
        "calltrackingmetrics": (tenants, weights),
        "marketingedge": ([t for t in tenants if t.me_path], None),
        "calltracker": ([t for t in tenants if t.ct_path], None),
    }
    providers, provider_weights = zip(*PROVIDER_WEIGHTS, strict=True)
    now = time.time()
    out: list[Request] = []
    for n in range(first_call, first_call + calls):
        provider = rng.choices(providers, provider_weights)[0]
        pool, pool_weights = by_provider[provider]
        tenant = rng.choices(pool, pool_weights)[0] if pool_weights else rng.choice(pool)
        start = (n - first_call) / calls_per_second
        update = start + rng.uniform(0.5, 3.0)
        end = update + rng.uniform(0.2, 2.0)
        missed = rng.random() < MISSED_SHARE
        talk = 0 if missed else rng.randint(5, 900)
        call = _Call(n=n, tenant=tenant, started=now - 60 + start, missed=missed, talk=talk, rng=rng)
        make = {"calltrackingmetrics": _ctm, "marketingedge": _me, "calltracker": _ct}[provider]
        for kind, at in (("start", start), ("update", update), ("end", end)):
            request = make(call, kind, at)
            out.append(request)
            if rng.random() < DUPLICATE_SHARE:
                out.append(_retry(request, at + rng.uniform(0.5, 5.0), call))
    out.sort(key=lambda r: r.at)
    return out


@dataclass
class _Call:
    n: int
    tenant: Tenant
    started: float
    missed: bool
    talk: int
    rng: random.Random

    @property
    def caller(self) -> str:
        return f"+1646{self.n % 10_000_000:07d}"

    @property
    def source(self) -> str:
        return ("Google Ads", "Facebook", "Direct", "Bing", "Yelp", "Referral")[self.n % 6]


def _ctm(call: _Call, kind: str, at: float) -> Request:
    t = call.tenant
    event = {"start": "call.received", "update": "call.updated", "end": "call.completed"}[kind]
    ended = kind != "start"
    payload = {
        "id": 50_000_000 + call.n,
        "sid": f"CA{call.n:032x}",
        "account_id": int(t.ctm_account_id),
        "direction": "inbound",
        "dial_status": ("no-answer" if call.missed else "answered") if ended else "ringing",
        "call_status": "completed" if ended else "in-progress",
        "unix_time": int(call.started),
        "tracking_number": t.tracking_number,
        "caller_number": call.caller,
        "source": call.source,
        "is_new_caller": call.n % 4 == 0,
        "name": "Bench Caller",
        "city": "Raleigh",
        "state": "NC",
    }
    if ended:
        payload.update(duration=call.talk + 12, talk_time=call.talk)
    if kind == "end" and not call.missed:
        payload["audio"] = f"https://api.calltrackingmetrics.com/api/v1/accounts/{t.ctm_account_id}/calls/{call.n}.mp3"
    body = json.dumps(payload)
    timestamp = str(int(time.time()))
    login = base64.b64encode(":".join(t.ctm_login).encode()).decode()
    signature = base64.b64encode(
        hmac.new(t.ctm_secret.encode(), timestamp.encode() + body.encode(), hashlib.sha1).digest()
    ).decode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Basic {login}",
        "X-CTM-Time": timestamp,
        "X-CTM-Signature": signature,
        **FORWARDED_PROTO,
    }
    path = f"{t.ctm_path}?{urlencode({'event': event})}"
    return Request(at, "calltrackingmetrics", f"ctm:{payload['id']}", kind, path, headers, body)


def warmup(tenants: list[Tenant], *, rounds: int, first_call: int) -> list[Request]:
    """Every endpoint of every tenant `rounds` times (a call's start each): the receivers' per-process
    lookups of the steady state, where each tenant has been heard from in the last ten minutes."""
    rng = random.Random(-1)
    now = time.time()
    out: list[Request] = []
    n = first_call
    for _ in range(rounds):
        for tenant in tenants:
            makers = [_ctm] + ([_me] if tenant.me_path else []) + ([_ct] if tenant.ct_path else [])
            for make in makers:
                call = _Call(n=n, tenant=tenant, started=now - 60, missed=False, talk=0, rng=rng)
                out.append(make(call, "start", 0.0))
                n += 1
    rng.shuffle(out)
    return out


def _me_local(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M:%S")


def _me_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _me(call: _Call, kind: str, at: float) -> Request:
    t = call.tenant
    telmetrics_id = 3_000_000_000 + call.n
    called = t.tracking_number.removeprefix("+1")
    caller = call.caller.removeprefix("+1")
    answer = call.started + 9
    end = answer + call.talk if not call.missed else call.started + 30
    if kind == "start":
        notification = {
            "Action": "CallDetails.CallStartCall",
            "CallDate": _me_utc(call.started),
            "CalledNumber": called,
            "CallerNumber": caller,
            "OrgGroupID": 4062,
            "OrganizationID": 4062,
            "CallerDetails": {"PhoneNumber": caller, "Name": "ONTARIO CALLER"},
        }
    else:
        notification = {
            "Action": "CallDetails.CallPreprocessed" if kind == "update" else "CallDetails.CallProcessed",
            "OrganizationId": 4062,
            "Incomplete": kind == "update",
            "TelmetricsId": telmetrics_id,
            "TelmetricsStudyID": 8470718,
            "CalledNumber": called,
            "TerminationNumber": "9052198287",
            "StartTime": _me_local(call.started),
            "AnswerTime": None if call.missed else _me_local(answer),
            "EndTime": _me_local(end),
            "AnswerStatus": "Unanswered" if call.missed else "Answered",
            "RingCount": 2,
            "CallSeconds": call.talk,
            "CallerNumber": caller,
            "CallerName": "John Smith",
            "CallerCity": "TORONTO",
            "CallerState": "ON",
            "TimeZone": "Eastern",
            "OrgGroupId": 4062,
        }
        if kind == "end":
            notification["CallTranscript"] = "Caller: hello Agent: hi " * (call.n % 20)
    payload = {
        "Id": hashlib.md5(f"{call.n}:{kind}".encode()).hexdigest(),
        "Attempt": 1,
        "Properties": {"CollectionType": "CallDetails", "UTC": _me_utc(call.started + at)},
        "Notifications": [notification],
    }
    return _me_request(t, payload, at=at, call=f"me:{telmetrics_id}", kind=kind)


def _me_request(t: Tenant, payload: dict, *, at: float, call: str, kind: str) -> Request:
    body = json.dumps(payload)
    signature = "sha256=" + hmac.new(t.me_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "ms-signature": signature, **FORWARDED_PROTO}
    return Request(at, "marketingedge", call, kind, t.me_path, headers, body)


def _ct(call: _Call, kind: str, at: float) -> Request:
    t = call.tenant
    event = {"start": "call.received", "update": "call.recording.available", "end": "call.finished"}[kind]
    started = datetime.fromtimestamp(call.started, tz=UTC)
    data = {
        "id": 70_000_000 + call.n,
        "company_id": 1000 + t.index,
        "tracker_id": 1570,
        "tracker_name": "Number Pool",
        "tracking_number": t.tracking_number,
        "caller_number": call.caller,
        "caller_country": "US",
        "status": "ringing" if kind == "start" else ("no-answer" if call.missed else "answered"),
        "timestamp": started.isoformat().replace("+00:00", "Z"),
        "call_duration": 0 if kind == "start" else call.talk + 12,
        "recording_duration": 0 if kind == "start" else call.talk,
        "source_channel": "organic",
        "source_referrer": "https://www.google.com/",
        "landing_page": "https://calltracker.io/",
        "is_first_time": call.n % 4 == 0,
    }
    if kind == "update" and not call.missed:
        data["recording"] = f"https://calltracker.io/recordings/{data['id']}.mp3"
    stamp = (started + timedelta(seconds=at)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    payload = {"type": event, "object": "call", "data": data, "timestamp": stamp, "webhook": {"id": 21}}
    headers = {"Content-Type": "application/json", **FORWARDED_PROTO}
    path = f"{t.ct_path}?{urlencode({'token': t.ct_token})}"
    return Request(at, "calltracker", f"ct:{data['id']}", kind, path, headers, json.dumps(payload))


def _retry(request: Request, at: float, call: _Call) -> Request:
    if request.provider == "marketingedge":
        payload = json.loads(request.body)
        retried = _me_request(call.tenant, {**payload, "Attempt": 2}, at=at, call=request.call, kind="retry")
        return retried
    return Request(at, request.provider, request.call, "retry", request.path, request.headers, request.body)


def requests_write(path: Path, requests: list[Request]) -> None:
    with path.open("w") as handle:
        for request in requests:
            handle.write(request.line() + "\n")
