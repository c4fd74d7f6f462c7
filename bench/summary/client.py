"""The frontend's side of bench/summary: one keep-alive HTTP/1.1 connection, a JWT from
POST /v1/auth/token (refreshed through /v1/auth/token/refresh before it expires), sequential GETs.
No Django here: it runs in a process of its own, as a browser would be.

`python -m bench.summary.client <json spec>` is the reader loop of the live phase: summary + chart of
random 90-day windows, one request after the other, until the stop file appears; it then writes
its latencies (ms) as JSON to the spec's `out` file."""

import http.client
import json
import os
import random
import sys
import time
from datetime import date, timedelta

TOKEN_SECONDS = 240  # the access token lives 5 minutes (JWT_ACCESS_MINUTES): refresh before


class ApiClient:
    def __init__(self, port: int, *, email: str, password: str, account_id: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        answer = self._send("POST", "/v1/auth/token", {"email": email, "password": password})
        self.access, self.refresh = answer["data"]["access"], answer["data"]["refresh"]
        self.token_at = self.used_at = time.monotonic()
        self.account_id = account_id

    def _send(self, method: str, path: str, payload: dict | None = None, headers: dict | None = None) -> dict:
        body = json.dumps(payload).encode() if payload is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})} if body else dict(headers or {})
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def _fresh_token(self) -> None:
        if time.monotonic() - self.token_at > TOKEN_SECONDS:
            self._reconnect_if_idle()
            answer = self._send("POST", "/v1/auth/token/refresh", {"refresh": self.refresh})
            self.access, self.refresh = answer["data"]["access"], answer["data"]["refresh"]
            self.token_at = time.monotonic()

    def _reconnect_if_idle(self) -> None:
        """gunicorn closes a keep-alive connection idle for 30 s: open a new one before timing."""
        if time.monotonic() - self.used_at > 20:
            self.connection.close()
            self.connection.connect()

    def get(self, path: str) -> tuple[float, bytes]:
        """One timed GET (ms from sending the request to the last byte of the body) and its body."""
        self._fresh_token()
        self._reconnect_if_idle()
        headers = {"Authorization": f"Bearer {self.access}"}
        if self.account_id:
            headers["X-Account-Id"] = self.account_id
        t0 = time.perf_counter()
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - t0) * 1000
        self.used_at = time.monotonic()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return elapsed, body

    def get_plain(self, path: str) -> float:
        """A timed GET without credentials (the stack's floor: /healthz)."""
        self._reconnect_if_idle()
        t0 = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - t0) * 1000
        self.used_at = time.monotonic()
        assert response.status == 200, response.status
        return elapsed


def windows(rng: random.Random, first: date, last: date, days: int = 90):
    """Random `days`-day windows between `first` and `last` (inclusive), forever."""
    span = (last - first).days - (days - 1)
    while True:
        start = first + timedelta(days=rng.randint(0, span))
        yield start, start + timedelta(days=days - 1)


def reader(spec: dict) -> None:
    client = ApiClient(spec["port"], email=spec["email"], password=spec["password"])
    first, last = date.fromisoformat(spec["first"]), date.fromisoformat(spec["last"])
    times: list[float] = []
    for start, end in windows(random.Random(spec["seed"]), first, last):
        if os.path.exists(spec["stop"]):
            break
        query = f"start_date={start}&end_date={end}"
        summary, _ = client.get(f"{spec['base']}/summary?{query}")
        chart, _ = client.get(f"{spec['base']}/chart?{query}&interval=day")
        times.append(summary + chart)
    with open(spec["out"], "w") as out:
        json.dump(times, out)


if __name__ == "__main__":
    reader(json.loads(sys.argv[1]))
