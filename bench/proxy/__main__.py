"""bench/proxy: the latency our API adds over CTM, for the endpoints that proxy it.

Run: `.venv/bin/python bench/proxy [--samples 500] [--warmup 50]` (PostgreSQL: DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ctm_bench, created if missing; Redis: REDIS_URL, default db 11).

The project's CTM sandbox is served as a real HTTP server (threaded, HTTP/1.1 keep-alive) in a
process of its own, and the project under gunicorn (2 gthread workers) with CTM_API_BASE_URL
pointing at it. A bench account logs in over HTTP for a JWT and connects the sandbox's CTM login
through the API (so the key is stored encrypted, as in production). Then, for each endpoint, one
keep-alive client alternates:

  (a) the CTM requests our client sends for it, straight to the sandbox (the project's CtmClient
      on one long-lived session: the same paths, query strings and Basic auth);
  (b) the same data through our API over HTTP with the JWT.

It prints p50/p99 of each and of the latency our API adds (b minus a, per percentile), checks that
(b) answers the data (a) read, and counts the TCP connections the sandbox accepted during the API
requests (one per request means our client opens a new connection to CTM every time).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import ROOT, ensure_database, gunicorn_start, percentile, prepare_environment

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
prepare_environment()

ACCOUNT = "bench-proxy"
EMAIL = "bench-proxy@bench.example"
PASSWORD = "Bench-pass-123"
CTM_ACCOUNT = "25001"  # the sandbox's agency account
SUB_ACCOUNT = "25002"  # one of its sub-accounts
TRACKER = "2500101"  # the agency's first tracking source (Google Ads, 2 numbers)
GOAL_MS = 5.0  # added latency p99, per endpoint (issue 12)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=500, help="timed requests per endpoint and side")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests per endpoint and side first")
    parser.add_argument("--port", type=int, default=8820, help="gunicorn's port")
    parser.add_argument("--sandbox-port", type=int, default=8821)
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--only", nargs="*", help="endpoint names to time (default: every one)")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    account_fresh()

    sandbox = subprocess.Popen(
        [sys.executable, "manage.py", "ctm_sandbox", "--port", str(args.sandbox_port), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    sandbox_url = f"http://127.0.0.1:{args.sandbox_port}/api/v1"
    server = None
    try:
        sandbox_wait(sandbox_url)
        server = gunicorn_start(
            args.port,
            workers=2,
            threads=args.threads,
            # production's log level: every CTM request is logged (to gunicorn's log file)
            env={"DEBUG": "false", "LOG_LEVEL": "INFO", "CTM_API_BASE_URL": sandbox_url, "JWT_ACCESS_MINUTES": "120"},
        )
        conditions(args, sandbox_url)
        workers = children(server.pid)
        measure(args, f"http://127.0.0.1:{args.port}", sandbox_url, workers=workers, sandbox_pid=sandbox.pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        sandbox.terminate()
        sandbox.wait(timeout=10)


def account_fresh() -> None:
    from django.contrib.auth import get_user_model

    from accounts.models import Account
    from accounts.services import account_create

    Account.objects.filter(name=ACCOUNT).delete()
    get_user_model().objects.filter(email=EMAIL).delete()
    account_create(name=ACCOUNT, owner_email=EMAIL, owner_password=PASSWORD)


def conditions(args, sandbox_url: str) -> None:
    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    print("conditions:")
    print(f"  commit {git('rev-parse', '--short', 'HEAD')}{dirty}")
    print(f"  machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"  processes: gunicorn 2 workers x {args.threads} threads (gthread, DEBUG off, LOG_LEVEL INFO); "
        f"the CTM sandbox (ThreadingHTTPServer, HTTP/1.1 keep-alive) at {sandbox_url}; this client; PostgreSQL; Redis"
    )
    print(
        f"  {args.samples} timed requests per endpoint and side after {args.warmup} to warm up, one keep-alive "
        "connection per side, sides alternating"
    )


class Side:
    """Times one way of getting an endpoint's data."""

    def __init__(self, fetch: Callable[[], object]) -> None:
        self.fetch = fetch
        self.times: list[float] = []

    def once(self, *, timed: bool) -> object:
        t0 = time.perf_counter()
        result = self.fetch()
        if timed:
            self.times.append((time.perf_counter() - t0) * 1000)
        return result


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def cpu_ms(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used, in ms (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def measure(args, base: str, sandbox_url: str, *, workers: list[int], sandbox_pid: int) -> None:
    import requests

    from integrations.providers.ctm.client import CtmClient
    from integrations.providers.ctm.sandbox.data import DEMO_LOGIN, DEMO_PASSWORD
    from integrations.providers.ctm.trackers import tracker_get, tracker_list

    api = requests.Session()
    login = api.post(f"{base}/v1/auth/token", json={"email": EMAIL, "password": PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    api.headers["Authorization"] = f"Bearer {login.json()['data']['access']}"
    connect = api.post(
        f"{base}/v1/e/calltrackingmetrics/auth", json={"username": DEMO_LOGIN, "password": DEMO_PASSWORD}, timeout=30
    )
    assert connect.status_code == 201, connect.text
    key_id = connect.json()["data"]["token"]
    stored_encrypted(key_id)

    # What CTM issues for the login, on a session of our own that stays open (the keep-alive baseline).
    credentials = CtmClient(base_url=sandbox_url).authenticate(username=DEMO_LOGIN, password=DEMO_PASSWORD)
    ctm = CtmClient(credentials=credentials.credentials, base_url=sandbox_url, session=requests.Session())
    today = date.today()
    week = {"start_date": (today - timedelta(days=6)).isoformat(), "end_date": today.isoformat()}
    prefix = f"{base}/v1/e/calltrackingmetrics/{key_id}"

    def ours(path: str, **params: str) -> Callable[[], object]:
        def get() -> object:
            answer = api.get(prefix + path, params=params, timeout=30)
            if answer.status_code != 200:
                raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
            return answer.json()

        return get

    def calls_direct() -> object:
        return ctm.list_calls(
            account_id=CTM_ACCOUNT,
            page=1,
            per_page=20,
            start_date=date.fromisoformat(week["start_date"]),
            end_date=today,
        )

    # name: (CTM requests per call, straight to the sandbox, through our API, do they agree)
    endpoints = {
        "accounts (list)": (
            1,
            lambda: ctm.list_accounts(page=1, per_page=20),
            ours("/accounts"),
            lambda direct, api: api["data"] == direct["accounts"],
        ),
        "sub-account (read)": (
            1,
            lambda: ctm.get_account(account_id=SUB_ACCOUNT),
            ours(f"/accounts/{SUB_ACCOUNT}"),
            lambda direct, api: api["data"] == direct,
        ),
        "calls (list, 7 days)": (
            1,
            calls_direct,
            ours(f"/accounts/{CTM_ACCOUNT}/calls", **week),
            lambda direct, api: [c["id"] for c in api["data"]] == [str(c["id"]) for c in direct["calls"]],
        ),
        "trackers (list)": (
            6,  # the sources, then each one's numbers
            lambda: tracker_list(ctm=ctm, account_id=CTM_ACCOUNT, page=1, limit=20)[0],
            ours(f"/accounts/{CTM_ACCOUNT}/trackers"),
            lambda direct, api: api["data"] == direct,
        ),
        "tracker (read)": (
            2,  # the source, then its numbers
            lambda: tracker_get(ctm=ctm, account_id=CTM_ACCOUNT, tracker_id=TRACKER),
            ours(f"/accounts/{CTM_ACCOUNT}/trackers/{TRACKER}"),
            lambda direct, api: api["data"] == direct,
        ),
    }
    if args.only:
        endpoints = {name: spec for name, spec in endpoints.items() if any(o in name for o in args.only)}

    print(f"\nlatency per request, ms ({args.samples} sequential requests per side; added = ours - sandbox):")
    print(
        f"  {'endpoint':<22} {'sandbox p50':>11} {'p99':>6}   {'our API p50':>11} {'p99':>6}   "
        f"{'added p50':>9} {'p99':>6}   CPU ms/request: gunicorn, sandbox   CTM connections"
    )
    verdicts = {}
    for name, (ctm_requests, direct_fetch, api_fetch, agree) in endpoints.items():
        direct, through = Side(direct_fetch), Side(api_fetch)
        if not agree(direct.once(timed=False), through.once(timed=False)):
            raise SystemExit(f"{name}: our API does not answer what the sandbox does")
        for _ in range(args.warmup):
            direct.once(timed=False)
            through.once(timed=False)
        sandbox_control(sandbox_url, "reset", method="POST")  # it keeps every request it saw
        ours_before, sandbox_before = cpu_ms(workers), cpu_ms([sandbox_pid])
        for n in range(args.samples):
            first, second = (direct, through) if n % 2 == 0 else (through, direct)
            first.once(timed=True)
            second.once(timed=True)
        ours_cpu = (cpu_ms(workers) - ours_before) / args.samples
        sandbox_cpu = (cpu_ms([sandbox_pid]) - sandbox_before) / (2 * args.samples)  # it served both sides
        before = sandbox_control(sandbox_url, "connections")["connections"]
        for _ in range(50):
            through.once(timed=False)
        opened = sandbox_control(sandbox_url, "connections")["connections"] - before - 1  # -1: this request
        d50, d99 = statistics.median(direct.times), percentile(direct.times, 99)
        o50, o99 = statistics.median(through.times), percentile(through.times, 99)
        verdicts[name] = o99 - d99
        print(
            f"  {name:<22} {d50:11.2f} {d99:6.2f}   {o50:11.2f} {o99:6.2f}   {o50 - d50:9.2f} {o99 - d99:6.2f}   "
            f"{ours_cpu:23.2f} {sandbox_cpu:8.2f}   {opened} new for {50 * ctm_requests} requests"
        )
    print(f"\ngoal: added latency p99 <= {GOAL_MS:g} ms for accounts, calls and trackers")
    for name, added in verdicts.items():
        print(f"  {name:<22} {'met' if added <= GOAL_MS else 'NOT met'} ({added:.2f} ms)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def sandbox_control(sandbox_url: str, what: str, *, method: str = "GET") -> dict:
    root = sandbox_url.split("/api/", 1)[0]
    request = urllib.request.Request(f"{root}/_sandbox/{what}", method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def sandbox_wait(sandbox_url: str) -> None:
    for _ in range(150):
        try:
            sandbox_control(sandbox_url, "connections")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the CTM sandbox did not start")


def stored_encrypted(key_id: str) -> None:
    """The connect API stored CTM's access key and secret encrypted (ciphertext in the row)."""
    from django.db import connection

    from integrations.models import Key
    from integrations.providers.ctm.sandbox.data import build_world

    demo = next(iter(build_world(seed=1).logins.values()))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_key, secret FROM {Key._meta.db_table} WHERE id = %s", [key_id])
        raw = cursor.fetchone()
    key = Key.objects.get(pk=key_id)
    assert (key.access_key, key.secret) == (demo.access_key, demo.secret), "the key is not CTM's"
    assert demo.access_key not in raw[0] and demo.secret not in raw[1], "the key is stored in plain text"
    connection.close()


if __name__ == "__main__":
    main()
