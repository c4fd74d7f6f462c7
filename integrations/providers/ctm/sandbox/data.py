"""The sandbox's world: logins, the API keys they hold, an agency account and its sub-accounts.

Everything derives from one seed, so two sandboxes started with the same seed serve the same data.
"""

import hashlib
import random
from dataclasses import dataclass, field

DEMO_LOGIN = "demo@ctm.example"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a documented sandbox login, not a secret


@dataclass
class SandboxAccount:
    id: int
    name: str
    agency_id: int | None
    timezone: str

    def as_ctm(self, base_url: str) -> dict:
        url = f"{base_url}/accounts/{self.id}"
        return {
            "id": self.id,
            "name": self.name,
            "user_role": "admin",
            "status": "active",
            "timezone": self.timezone,
            "created": "2021-03-01T10:00:00Z",
            "updated": "2026-10-01T10:00:00Z",
            "canceled": None,
            "agency_id": self.agency_id,
            "url": f"{url}.json",
            "calls_url": f"{url}/calls.json",
            "numbers_url": f"{url}/numbers.json",
            "sources_url": f"{url}/sources.json",
            "webhooks_url": f"{url}/webhooks.json",
        }


@dataclass
class SandboxLogin:
    login: str
    password: str
    access_key: str
    secret: str
    account_ids: list[int] = field(default_factory=list)


@dataclass
class SandboxWorld:
    seed: int
    accounts: dict[int, SandboxAccount]
    logins: dict[str, SandboxLogin]
    # Tracking sources and numbers per account; mutable, like CTM's.
    sources: dict[int, dict[int, dict]] = field(default_factory=dict)
    numbers: dict[int, dict[str, dict]] = field(default_factory=dict)
    webhooks: dict[int, dict[int, dict]] = field(default_factory=dict)
    next_id: int = 90_000
    call_catalog: dict[int, tuple[tuple, tuple]] = field(default_factory=dict)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def number_tuples(self, account_id: int) -> tuple:
        """(id, e164, source id) of the account's numbers as built: what its calls are generated against
        (frozen, so that buying or moving a number never rewrites call history)."""
        return tuple(
            (n["id"], n["number"], n["_source_id"])
            for n in sorted(self.numbers.get(account_id, {}).values(), key=lambda n: n["id"])
        )

    def source_tuples(self, account_id: int) -> tuple:
        return tuple(
            (s["id"], s["name"]) for s in sorted(self.sources.get(account_id, {}).values(), key=lambda s: s["id"])
        )

    def login_for_keys(self, access_key: str, secret: str) -> SandboxLogin | None:
        return next((x for x in self.logins.values() if x.access_key == access_key and x.secret == secret), None)


def _derived(seed: int, label: str) -> str:
    return hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()


CLIENT_NAMES = ["Downtown Dental", "Northside Plumbing", "Harbor Law", "Summit Roofing", "Lakeside Vet"]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


SOURCES = [
    ("Google Ads", "google.com", "?gclid="),
    ("Google Organic", "google.com", ""),
    ("Facebook", "facebook.com", "?utm_source=facebook"),
    ("Bing Ads", "bing.com", "?msclkid="),
    ("Direct", "", ""),
]
AREA_CODES = ["919", "512", "303", "813", "503", "617", "704", "312"]


def number_object(number_id: str, e164: str, name: str, source_id: int) -> dict:
    digits = e164[-10:]
    return {
        "id": number_id,
        "name": name,
        "number": e164,
        "formatted": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        "split": ["1", digits[:3], digits[3:6], digits[6:]],
        "routing": "receiving_number",
        "_source_id": source_id,  # internal: which source it belongs to (served via sources/{id}/numbers)
    }


def _catalog(world: "SandboxWorld", account_id: int, rng: random.Random) -> None:
    sources, numbers = {}, {}
    for position, (name, referrer, landing) in enumerate(SOURCES, start=1):
        source_id = account_id * 100 + position
        sources[source_id] = {
            "id": source_id,
            "name": name,
            "referring_url": referrer,
            "landing_url": landing,
            "position": position,
            "online": bool(referrer),
            "crm_tag": name.lower().replace(" ", "_"),
            "description": "",
        }
        for k in range(1 if name == "Direct" else 2):
            e164 = f"+1{rng.choice(AREA_CODES)}{rng.randint(2000000, 9999999)}"
            number_id = f"TPN{account_id}{position}{k}"
            numbers[number_id] = number_object(number_id, e164, f"{name} line {k + 1}", source_id)
    world.sources[account_id] = sources
    world.numbers[account_id] = numbers


def build_world(*, seed: int = 1) -> SandboxWorld:
    rng = random.Random(seed)
    agency_id = 25001
    accounts = {agency_id: SandboxAccount(agency_id, "Sandbox Agency", None, "America/New_York")}
    for offset, name in enumerate(CLIENT_NAMES[: 2 + seed % 4], start=1):
        account_id = agency_id + offset
        accounts[account_id] = SandboxAccount(account_id, name, agency_id, rng.choice(TIMEZONES))
    demo = SandboxLogin(
        login=DEMO_LOGIN,
        password=DEMO_PASSWORD,
        access_key=f"a{_derived(seed, 'demo-key')[:31]}",
        secret=_derived(seed, "demo-secret")[:40],
        account_ids=sorted(accounts),
    )
    world = SandboxWorld(seed=seed, accounts=accounts, logins={demo.login: demo})
    for account_id in sorted(accounts):
        _catalog(world, account_id, rng)
    world.call_catalog = {a: (world.number_tuples(a), world.source_tuples(a)) for a in accounts}
    return world
