"""The sandbox HTTP server: speaks the subset of CTM's REST API this service uses, over real HTTP.

It checks HTTP Basic auth like CTM does, pages like CTM does (`per_page` above 150 is a 400), and
can be told to misbehave (401, 429 with Retry-After, 500, slow answers) through `misbehave()` or
`POST /_sandbox/misbehave`. It counts the TCP connections it accepts (`connections_accepted`, or
`GET /_sandbox/connections`): a client that keeps its connections alive opens few.
"""

import base64
import hashlib
import hmac
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from math import ceil
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from integrations.providers.ctm.normalize import EVENT_POSITIONS
from integrations.providers.ctm.sandbox.calls import HISTORY_DAYS, calls_between
from integrations.providers.ctm.sandbox.data import SandboxLogin, SandboxWorld, build_world, number_object

API_PREFIX = "/api/v1"
# CTM's webhook positions -> our event names, to say in our words which webhook a delivery needed.
POSITION_EVENTS: dict[str, str] = {position: str(kind) for kind, position in EVENT_POSITIONS.items()}
MAX_PER_PAGE = 150
ACCOUNT = r"/accounts/(?P<account_id>\d+)"


class SandboxError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Misbehaviour:
    status: int | None = None  # answer this status instead of the real answer
    times: int = 1  # for this many requests (then behave again)
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait before answering
    path: str = ""  # only requests whose path matches this regex

    def applies_to(self, path: str) -> bool:
        return self.times > 0 and (not self.path or re.search(self.path, path) is not None)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    login: SandboxLogin | None

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name) or self.form.get(name)
        return values[0] if values else default


Route = tuple[str, re.Pattern, Callable[..., tuple[int, Any]], bool]


def ctm_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """X-CTM-Signature as CTM computes it: base64(HMAC-SHA1(secret, X-CTM-Time + raw body)).

    The sandbox plays CTM, so it signs with its own code rather than the receiver's: a mistake in
    the receiver's check then shows up as refused deliveries instead of agreeing with itself."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha1).digest()).decode()


def _route(method: str, path: str, handler: Callable[..., tuple[int, Any]], *, auth: bool = True) -> Route:
    """CTM answers the same path with or without a `.json` suffix."""
    return method, re.compile(rf"^{path}(?:\.json)?$"), handler, auth


class CtmSandbox:
    """The sandbox's behaviour, independent of the HTTP plumbing (easy to drive from tests)."""

    def __init__(self, *, seed: int = 1):
        self.world: SandboxWorld = build_world(seed=seed)
        self.base_url = ""
        self._misbehaviours: list[Misbehaviour] = []
        self._lock = threading.Lock()
        self.requests_seen: list[tuple[str, str]] = []
        self.queries_seen: list[tuple[str, dict[str, list[str]]]] = []
        self.connections_accepted = 0
        account = ACCOUNT
        self.routes: list[Route] = [
            _route("POST", r"/authentication", self.authenticate, auth=False),
            _route("GET", r"/accounts", self.list_accounts),
            _route("GET", r"/accounts/(?P<account_id>\d+)", self.get_account),
            _route("GET", rf"{account}/calls(?:/search)?", self.list_calls),
            _route("GET", rf"{account}/calls/(?P<call_id>\d+)", self.get_call),
            _route("GET", rf"{account}/sources", self.list_sources),
            _route("POST", rf"{account}/sources", self.create_source),
            _route("GET", rf"{account}/sources/(?P<source_id>\d+)", self.get_source),
            _route("PUT", rf"{account}/sources/(?P<source_id>\d+)", self.update_source),
            _route("DELETE", rf"{account}/sources/(?P<source_id>\d+)", self.delete_source),
            _route("GET", rf"{account}/sources/(?P<source_id>\d+)/numbers", self.source_numbers),
            _route(
                "POST",
                rf"{account}/sources/(?P<source_id>\d+)/numbers/(?P<number_id>\w+)/add",
                self.add_number_to_source,
            ),
            _route("GET", rf"{account}/numbers/search", self.search_numbers),
            _route("GET", rf"{account}/numbers", self.list_numbers),
            _route("POST", rf"{account}/numbers", self.buy_number),
            _route("GET", rf"{account}/numbers/(?P<number_id>\w+)", self.get_number),
            _route("DELETE", rf"{account}/numbers/(?P<number_id>\w+)", self.release_number),
            _route("GET", rf"{account}/webhooks", self.list_webhooks),
            _route("POST", rf"{account}/webhooks", self.create_webhook),
            _route("GET", rf"{account}/webhooks/(?P<webhook_id>\d+)", self.get_webhook),
            _route("PUT", rf"{account}/webhooks/(?P<webhook_id>\d+)", self.update_webhook),
            _route("DELETE", rf"{account}/webhooks/(?P<webhook_id>\d+)", self.delete_webhook),
        ]

    # --- control -------------------------------------------------------------------------------

    def misbehave(self, **kwargs: Any) -> None:
        with self._lock:
            self._misbehaviours.append(Misbehaviour(**kwargs))

    def reset(self) -> None:
        with self._lock:
            self._misbehaviours.clear()
            self.requests_seen.clear()
            self.queries_seen.clear()

    def _take_misbehaviour(self, path: str) -> Misbehaviour | None:
        with self._lock:
            for misbehaviour in self._misbehaviours:
                if misbehaviour.applies_to(path):
                    misbehaviour.times -= 1
                    return misbehaviour
        return None

    # --- webhook deliveries, signed like CTM signs them -----------------------------------------

    def live_call(self, *, account_id: int, position: str) -> dict:
        """A call happening now: ringing for a `start` delivery, answered for an `end` one."""
        with self._lock:
            call_id = 9_000_000_000 + self.world.new_id()
        numbers, sources = self.world.call_catalog[account_id]
        rng = random.Random(call_id)
        number_id, tracking_number, source_id = rng.choice(numbers)
        now = int(time.time())
        call = {
            "id": call_id,
            "account_id": account_id,
            "direction": "inbound",
            "unix_time": now,
            "tracking_number_id": number_id,
            "tracking_number": tracking_number,
            "caller_number": f"+1919{rng.randint(2000000, 9999999)}",
            "source_id": source_id,
            "source": dict(sources).get(source_id, "Direct"),
            "is_new_caller": rng.random() < 0.4,
        }
        if position == "start":
            return {**call, "dial_status": "ringing", "call_status": "in-progress"}
        talk = rng.randint(30, 600)
        return {
            **call,
            "dial_status": "answered",
            "call_status": "completed",
            "duration": talk + 9,
            "talk_time": talk,
            "audio": f"https://app.calltrackingmetrics.com/calls/{call_id}/audio",
        }

    def deliver(self, *, account_id: int = 25001, position: str = "end", call: dict | None = None) -> list[dict]:
        """POST a call to every webhook of the account registered for `position`, as CTM does:
        the activity object as the body, X-CTM-Time and X-CTM-Signature, and the webhook's Basic auth."""
        import urllib.error
        import urllib.request

        payload = json.dumps(call or self.live_call(account_id=int(account_id), position=position)).encode()
        secret = next(iter(self.world.logins.values())).secret
        with self._lock:
            hooks = [
                dict(h) for h in self.world.webhooks.get(int(account_id), {}).values() if h["position"] == position
            ]
        results = []
        for hook in hooks:
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-CTM-Time": timestamp,
                "X-CTM-Signature": ctm_sign(secret=secret, timestamp=timestamp, body=payload),
            }
            if hook.get("username"):
                login = f"{hook['username']}:{hook.get('password', '')}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(login).decode()
            # weburl was checked to be http(s) when the webhook was created
            request = urllib.request.Request(hook["weburl"], data=payload, headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the registered URL
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError as exc:
                status = f"unreachable: {exc}"
            results.append({"webhook_id": hook["id"], "status": status})
        return results

    def deliver_answer(self, options: dict[str, Any]) -> tuple[int, dict, dict]:
        """`POST /_sandbox/deliver`: the deliveries made, and when there are none, the reason why."""
        account_id, position = options.get("account_id", 25001), options.get("position", "end")
        if position not in POSITION_EVENTS:
            known = ", ".join(f"{p!r} ({e})" for p, e in POSITION_EVENTS.items())
            return 400, {"deliveries": [], "reason": f"unknown position {position!r}: one of {known}"}, {}
        if not str(account_id).isdigit() or int(account_id) not in self.world.call_catalog:
            known = ", ".join(str(a) for a in sorted(self.world.call_catalog))
            return (
                404,
                {"deliveries": [], "reason": f"no account {account_id!r} in the sandbox (accounts: {known})"},
                {},
            )
        deliveries = self.deliver(**{**options, "account_id": int(account_id)})
        if deliveries:
            return 200, {"deliveries": deliveries}, {}
        return 200, {"deliveries": [], "reason": self.nothing_to_deliver_reason(int(account_id), position)}, {}

    def nothing_to_deliver_reason(self, account_id: int, position: str) -> str:
        with self._lock:
            registered = sorted({h["position"] for h in self.world.webhooks.get(account_id, {}).values()})
        wanted = f"{POSITION_EVENTS[position]} (position {position!r})"
        if not registered:
            return f"no webhook is registered for account {account_id}, so nothing was sent for {wanted}"
        others = ", ".join(f"{POSITION_EVENTS.get(p, '?')} (position {p!r})" for p in registered)
        return f"no webhook of account {account_id} is registered for {wanted}; registered: {others}"

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict]:
        parts = urlsplit(raw_path)
        if parts.path == "/_sandbox/misbehave" and method == "POST":
            self.misbehave(**json.loads(body or b"{}"))
            return 200, {"status": "ok"}, {}
        if parts.path == "/_sandbox/deliver" and method == "POST":
            return self.deliver_answer(json.loads(body or b"{}"))
        if parts.path == "/_sandbox/connections" and method == "GET":
            return 200, {"connections": self.connections_accepted}, {}
        if parts.path == "/_sandbox/reset" and method == "POST":
            self.reset()
            return 200, {"status": "ok"}, {}
        if not parts.path.startswith(API_PREFIX):
            return 404, {"status": "error", "reason": "not found"}, {}
        path = parts.path[len(API_PREFIX) :]
        with self._lock:
            self.requests_seen.append((method, path))
            self.queries_seen.append((path, parse_qs(parts.query)))
        misbehaviour = self._take_misbehaviour(path)
        if misbehaviour is not None:
            time.sleep(misbehaviour.delay)
            if misbehaviour.status is not None:
                extra = {"Retry-After": str(misbehaviour.retry_after)} if misbehaviour.retry_after is not None else {}
                return misbehaviour.status, {"status": "error", "reason": HTTPStatus(misbehaviour.status).phrase}, extra
        try:
            return self._route(method, path, parts.query, headers, body)
        except SandboxError as exc:
            return exc.status, exc.body, exc.headers

    def _route(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict]:
        content_type = headers.get("content-type", "")
        if "json" in content_type and body:
            form = {k: [str(v)] for k, v in json.loads(body).items()}
        else:
            form = parse_qs(body.decode(errors="replace"))
        matched_path = False
        for route_method, pattern, handler, needs_auth in self.routes:
            match = pattern.match(path)
            if not match:
                continue
            matched_path = True
            if route_method != method:
                continue
            login = self._authenticated_login(headers) if needs_auth else None
            request = Request(method=method, path=path, query=parse_qs(query), form=form, login=login)
            status, payload = handler(request, **match.groupdict())
            return status, payload, {}
        if matched_path:
            return 405, {"status": "error", "reason": "method not allowed"}, {}
        return 404, {"status": "error", "reason": "not found"}, {}

    def _authenticated_login(self, headers: dict[str, str]) -> SandboxLogin:
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                access_key, _, secret = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                access_key = secret = ""
            login = self.world.login_for_keys(access_key, secret)
            if login is not None:
                return login
        raise SandboxError(401, {"status": "error", "reason": "Access denied"})

    def _account_for(self, request: Request, account_id: str | int):
        account = self.world.accounts.get(int(account_id))
        if account is None or account.id not in request.login.account_ids:
            raise SandboxError(404, {"status": "error", "reason": "not found"})
        return account

    def _page(self, request: Request, items: list[Any], key: str) -> dict[str, Any]:
        try:
            page = max(1, int(request.param("page", "1")))
            per_page = int(request.param("per_page", "10"))
        except ValueError:
            raise SandboxError(400, {"status": "error", "reason": "page and per_page must be numbers"}) from None
        if per_page > MAX_PER_PAGE:
            raise SandboxError(400, {"error": f"per_page limit is {MAX_PER_PAGE}"})
        per_page = max(1, per_page)
        total = len(items)
        total_pages = max(1, ceil(total / per_page))
        url = f"{self.base_url}{request.path}"

        def link(number: int) -> str:
            return f"{url}?{urlencode({**{k: v[0] for k, v in request.query.items()}, 'page': number})}"

        return {
            key: items[(page - 1) * per_page : page * per_page],
            "page": page,
            "per_page": per_page,
            "total_entries": total,
            "total_pages": total_pages,
            "next_page": link(page + 1) if page < total_pages else None,
            "previous_page": link(page - 1) if page > 1 else None,
        }

    # --- endpoints ---------------------------------------------------------------------------

    def authenticate(self, request: Request) -> tuple[int, Any]:
        login_name = request.param("user") or request.param("user[login]")
        password = request.param("password") or request.param("user[password]")
        login = self.world.logins.get(login_name)
        if login is None or login.password != password:
            return 401, {"success": False, "message": "Invalid login or password"}
        return 200, {
            "success": True,
            "access_key": login.access_key,
            "secret": login.secret,
            "first_account": {"id": login.account_ids[0]},
        }

    def list_accounts(self, request: Request) -> tuple[int, Any]:
        accounts = [self.world.accounts[i].as_ctm(self.base_url) for i in request.login.account_ids]
        return 200, self._page(request, accounts, "accounts")

    def get_account(self, request: Request, account_id: str) -> tuple[int, Any]:
        return 200, self._account_for(request, account_id).as_ctm(self.base_url)

    # --- calls ---------------------------------------------------------------------------------

    def _calls(self, request: Request, account_id: str) -> list[dict]:
        account = self._account_for(request, account_id)
        today = datetime.now(tz=UTC).date()
        try:
            start = date.fromisoformat(
                request.param("start_date") or (today - timedelta(days=HISTORY_DAYS)).isoformat()
            )
            end = date.fromisoformat(request.param("end_date") or today.isoformat())
        except ValueError:
            raise SandboxError(400, {"status": "error", "reason": "start_date and end_date are YYYY-MM-DD"}) from None
        numbers, sources = self.world.call_catalog[account.id]
        return calls_between(
            seed=self.world.seed,
            account_id=account.id,
            timezone=account.timezone,
            start=start,
            end=end,
            numbers=numbers,
            sources=sources,
        )

    def list_calls(self, request: Request, account_id: str) -> tuple[int, Any]:
        calls = self._calls(request, account_id)
        directions = set(request.query.get("direction[]", []) + request.query.get("direction", []))
        statuses = set(request.query.get("dial_status[]", []))
        sources = {s.lower() for s in request.query.get("multi_sources[]", [])}
        text = request.param("filter").lower()
        digits = "".join(ch for ch in text if ch.isdigit())

        def wanted(call: dict) -> bool:
            if directions and call["direction"] not in directions:
                return False
            if statuses and call["dial_status"] not in statuses:
                return False
            if sources and call["source"].lower() not in sources:
                return False
            if text:
                numbers = call["caller_number"] + " " + call["tracking_number"]
                return (digits and digits in numbers) or text in call["source"].lower() or text in call["name"].lower()
            return True

        return 200, self._page(request, [c for c in calls if wanted(c)], "calls")

    def get_call(self, request: Request, account_id: str, call_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        day = date(2020, 1, 1) + timedelta(days=(int(call_id) - account.id * 10_000_000) // 100)
        found = [c for c in self._calls_on(request, account_id, day) if c["id"] == int(call_id)]
        if not found:
            raise SandboxError(404, {"status": "error", "reason": "not found"})
        return 200, found[0]

    def _calls_on(self, request: Request, account_id: str, day: date) -> list[dict]:
        request.query = {**request.query, "start_date": [day.isoformat()], "end_date": [day.isoformat()]}
        return self._calls(request, account_id)

    # --- tracking sources and numbers ---------------------------------------------------------

    def _source(self, request: Request, account_id: str, source_id: str) -> dict:
        account = self._account_for(request, account_id)
        source = self.world.sources[account.id].get(int(source_id))
        if source is None:
            raise SandboxError(404, {"status": "error", "reason": "not found"})
        return source

    def _number(self, request: Request, account_id: str, number_id: str) -> dict:
        account = self._account_for(request, account_id)
        number = self.world.numbers[account.id].get(number_id)
        if number is None:
            raise SandboxError(404, {"status": "error", "reason": "not found"})
        return number

    @staticmethod
    def _public(number: dict) -> dict:
        return {k: v for k, v in number.items() if not k.startswith("_")}

    def list_sources(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            sources = sorted(self.world.sources[account.id].values(), key=lambda s: s["position"])
        return 200, self._page(request, sources, "sources")

    def get_source(self, request: Request, account_id: str, source_id: str) -> tuple[int, Any]:
        return 200, self._source(request, account_id, source_id)

    SOURCE_FIELDS = ("name", "referring_url", "landing_url", "position", "online", "crm_tag", "description")

    def create_source(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        fields = {f: request.param(f) for f in self.SOURCE_FIELDS if request.param(f) != ""}
        if not fields.get("name"):
            return 422, {"status": "error", "reason": "name can't be blank"}
        with self._lock:
            source_id = self.world.new_id()
            source = {
                "id": source_id,
                "name": "",
                "referring_url": "",
                "landing_url": "",
                "online": False,
                "crm_tag": "",
                "description": "",
                "position": len(self.world.sources[account.id]) + 1,
                **fields,
            }
            source["online"] = str(source["online"]).lower() in ("1", "true")
            self.world.sources[account.id][source_id] = source
        return 200, {"status": "success", "source": source}

    def update_source(self, request: Request, account_id: str, source_id: str) -> tuple[int, Any]:
        with self._lock:
            source = self._source(request, account_id, source_id)
            for name in self.SOURCE_FIELDS:
                if name in request.form or name in request.query:
                    source[name] = request.param(name)
            if source["name"] == "":
                return 422, {"status": "error", "reason": "name can't be blank"}
            source["online"] = str(source["online"]).lower() in ("1", "true")
        return 200, {"status": "success", "source": source}

    def delete_source(self, request: Request, account_id: str, source_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            self._source(request, account_id, source_id)
            del self.world.sources[account.id][int(source_id)]
            for number in self.world.numbers[account.id].values():
                if number["_source_id"] == int(source_id):
                    number["_source_id"] = None
        return 200, {"status": "deleted"}

    def source_numbers(self, request: Request, account_id: str, source_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        self._source(request, account_id, source_id)
        with self._lock:
            numbers = [
                self._public(n) for n in self.world.numbers[account.id].values() if n["_source_id"] == int(source_id)
            ]
        return 200, self._page(request, numbers, "numbers")

    def add_number_to_source(self, request: Request, account_id: str, source_id: str, number_id: str):
        with self._lock:
            self._source(request, account_id, source_id)
            self._number(request, account_id, number_id)["_source_id"] = int(source_id)
        return 200, {"status": "success"}

    def list_numbers(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            numbers = [self._public(n) for n in self.world.numbers[account.id].values()]
        return 200, self._page(request, numbers, "numbers")

    def get_number(self, request: Request, account_id: str, number_id: str) -> tuple[int, Any]:
        return 200, self._public(self._number(request, account_id, number_id))

    def search_numbers(self, request: Request, account_id: str) -> tuple[int, Any]:
        self._account_for(request, account_id)
        area_code = request.param("area_code")
        toll_free = request.param("searchby") == "tollfree"
        if not toll_free and not (len(area_code) == 3 and area_code.isdigit()):
            return 400, {"status": "error", "reason": "area_code must be 3 digits"}
        prefix = "888" if toll_free else area_code
        rng = random.Random(f"{self.world.seed}:{prefix}")
        owned = {n["number"] for numbers in self.world.numbers.values() for n in numbers.values()}
        results = []
        while len(results) < 5:  # like CTM, only numbers nobody owns are offered
            e164 = f"+1{prefix}{rng.randint(2000000, 9999999)}"
            if e164 in owned:
                continue
            results.append(
                {
                    "phone_number": e164,
                    "friendly_name": f"({prefix}) {e164[5:8]}-{e164[8:]}",
                    "iso_country": request.param("country_code", "US"),
                    "region": "NC",
                    "postal_code": "27601",
                }
            )
        return 200, {"status": "success", "results": results}

    def buy_number(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        phone_number = request.param("phone_number")
        if not re.fullmatch(r"\+1\d{10}", phone_number):
            return 200, {"status": "error", "reason": "phone_number must be an E.164 number from numbers/search"}
        with self._lock:
            if any(n["number"] == phone_number for n in self.world.numbers[account.id].values()):
                return 200, {"status": "error", "reason": "number already purchased"}
            number_id = f"TPN{self.world.new_id()}"
            number = number_object(number_id, phone_number, request.param("name") or phone_number, None)
            self.world.numbers[account.id][number_id] = number
        return 200, {"status": "success", "number": self._public(number)}

    # --- webhooks ----------------------------------------------------------------------------------

    WEBHOOK_FIELDS = ("name", "weburl", "position", "hooktype", "username", "password", "with_resource_url")

    def _webhook(self, request: Request, account_id: str, webhook_id: str) -> dict:
        account = self._account_for(request, account_id)
        webhook = self.world.webhooks.setdefault(account.id, {}).get(int(webhook_id))
        if webhook is None:
            raise SandboxError(404, {"status": "error", "reason": "not found"})
        return webhook

    @staticmethod
    def _webhook_public(webhook: dict) -> dict:
        return {k: v for k, v in webhook.items() if k != "password"}

    def list_webhooks(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            hooks = [self._webhook_public(w) for w in self.world.webhooks.get(account.id, {}).values()]
        return 200, self._page(request, hooks, "webhooks")

    def get_webhook(self, request: Request, account_id: str, webhook_id: str) -> tuple[int, Any]:
        return 200, self._webhook_public(self._webhook(request, account_id, webhook_id))

    def create_webhook(self, request: Request, account_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        fields = {f: request.param(f) for f in self.WEBHOOK_FIELDS if request.param(f) != ""}
        if not str(fields.get("weburl", "")).startswith(("http://", "https://")):
            return 422, {"status": "error", "reason": "weburl must be an http(s) URL"}
        with self._lock:
            webhook_id = self.world.new_id()
            webhook = {"id": webhook_id, "account_id": account.id, "position": "end", "name": "", **fields}
            self.world.webhooks.setdefault(account.id, {})[webhook_id] = webhook
        return 200, {"status": "success", "warnings": [], "webhook": self._webhook_public(webhook)}

    def update_webhook(self, request: Request, account_id: str, webhook_id: str) -> tuple[int, Any]:
        with self._lock:
            webhook = self._webhook(request, account_id, webhook_id)
            webhook.update({f: request.param(f) for f in self.WEBHOOK_FIELDS if request.param(f) != ""})
        return 200, {"status": "success", "warnings": [], "webhook": self._webhook_public(webhook)}

    def delete_webhook(self, request: Request, account_id: str, webhook_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            self._webhook(request, account_id, webhook_id)
            del self.world.webhooks[account.id][int(webhook_id)]
        return 200, {"status": "deleted"}

    def release_number(self, request: Request, account_id: str, number_id: str) -> tuple[int, Any]:
        account = self._account_for(request, account_id)
        with self._lock:
            self._number(request, account_id, number_id)
            del self.world.numbers[account.id][number_id]
        return 200, {"status": "success"}


class _Handler(BaseHTTPRequestHandler):
    sandbox: CtmSandbox  # set on the subclass made per server
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms on every request of a kept-alive connection.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra_headers = self.sandbox.handle(self.command, self.path, headers, body)
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(encoded)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are logged without their query strings (they may carry credentials).
        if self.server.verbose:
            print(f"ctm-sandbox {self.command} {urlsplit(self.path).path} -> {args[1] if len(args) > 1 else ''}")  # noqa: T201


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sandbox: CtmSandbox, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        handler = type("SandboxHandler", (_Handler,), {"sandbox": sandbox})
        super().__init__((host, port), handler)
        self.verbose = verbose
        self.sandbox = sandbox
        sandbox.base_url = f"http://{host}:{self.server_address[1]}{API_PREFIX}"

    def process_request(self, request, client_address) -> None:
        self.sandbox.connections_accepted += 1  # only the serving thread accepts connections
        super().process_request(request, client_address)

    @property
    def api_base_url(self) -> str:
        return self.sandbox.base_url

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="ctm-sandbox", daemon=True)
        thread.start()
        return thread
