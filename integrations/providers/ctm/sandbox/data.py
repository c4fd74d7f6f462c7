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

    def login_for_keys(self, access_key: str, secret: str) -> SandboxLogin | None:
        return next((x for x in self.logins.values() if x.access_key == access_key and x.secret == secret), None)


def _derived(seed: int, label: str) -> str:
    return hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()


CLIENT_NAMES = ["Downtown Dental", "Northside Plumbing", "Harbor Law", "Summit Roofing", "Lakeside Vet"]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


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
    return SandboxWorld(seed=seed, accounts=accounts, logins={demo.login: demo})
