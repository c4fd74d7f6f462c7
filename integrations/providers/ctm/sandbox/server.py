"""The sandbox HTTP server: speaks the subset of CTM's REST API this service uses, over real HTTP.

It checks HTTP Basic auth like CTM does, pages like CTM does (`per_page` above 150 is a 400), and
can be told to misbehave (401, 429 with Retry-After, 500, slow answers) through `misbehave()` or
`POST /_sandbox/misbehave`.
"""

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from math import ceil
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from integrations.providers.ctm.sandbox.data import SandboxLogin, SandboxWorld, build_world

API_PREFIX = "/api/v1"
MAX_PER_PAGE = 150


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


class CtmSandbox:
    """The sandbox's behaviour, independent of the HTTP plumbing (easy to drive from tests)."""

    def __init__(self, *, seed: int = 1):
        self.world: SandboxWorld = build_world(seed=seed)
        self.base_url = ""
        self._misbehaviours: list[Misbehaviour] = []
        self._lock = threading.Lock()
        self.requests_seen: list[tuple[str, str]] = []
        self.routes: list[Route] = [
            ("POST", re.compile(r"^/authentication(?:\.json)?$"), self.authenticate, False),
            ("GET", re.compile(r"^/accounts(?:\.json)?$"), self.list_accounts, True),
            ("GET", re.compile(r"^/accounts/(?P<account_id>\d+)(?:\.json)?$"), self.get_account, True),
        ]

    # --- control -------------------------------------------------------------------------------

    def misbehave(self, **kwargs: Any) -> None:
        with self._lock:
            self._misbehaviours.append(Misbehaviour(**kwargs))

    def reset(self) -> None:
        with self._lock:
            self._misbehaviours.clear()
            self.requests_seen.clear()

    def _take_misbehaviour(self, path: str) -> Misbehaviour | None:
        with self._lock:
            for misbehaviour in self._misbehaviours:
                if misbehaviour.applies_to(path):
                    misbehaviour.times -= 1
                    return misbehaviour
        return None

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict]:
        parts = urlsplit(raw_path)
        if parts.path == "/_sandbox/misbehave" and method == "POST":
            self.misbehave(**json.loads(body or b"{}"))
            return 200, {"status": "ok"}, {}
        if parts.path == "/_sandbox/reset" and method == "POST":
            self.reset()
            return 200, {"status": "ok"}, {}
        if not parts.path.startswith(API_PREFIX):
            return 404, {"status": "error", "reason": "not found"}, {}
        path = parts.path[len(API_PREFIX) :]
        with self._lock:
            self.requests_seen.append((method, path))
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


class _Handler(BaseHTTPRequestHandler):
    sandbox: CtmSandbox  # set on the subclass made per server
    protocol_version = "HTTP/1.1"

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

    @property
    def api_base_url(self) -> str:
        return self.sandbox.base_url

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="ctm-sandbox", daemon=True)
        thread.start()
        return thread
