"""A real local HTTP receiver for outbound webhooks (a threaded http.server, not a mock), and helpers
to make calls and publish them on the seam the way the stores do."""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from integrations.call_changes import CallChange, Origin, call_changes_publish
from integrations.models import Call
from outbound import transport


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def query(self) -> str:
        return urlsplit(self.path).query


@dataclass
class Receiver:
    """Records every request; answers `statuses` in turn (then `status`), after `delay` seconds."""

    port: int = 0
    status: int = 200
    delay: float = 0.0
    body: bytes = b'{"ok": true}'
    statuses: deque = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, *statuses: int) -> None:
        self.statuses.extend(statuses)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.lock.wait(timeout=deadline - time.monotonic())
            return list(self.requests)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with receiver.lock:
                receiver.requests.append(
                    Received(
                        self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                    )
                )
                status = receiver.statuses.popleft() if receiver.statuses else receiver.status
                receiver.lock.notify_all()
            if receiver.delay:
                time.sleep(receiver.delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()
                self.wfile.write(receiver.body)
            except OSError:
                pass  # the client gave up (a timeout under test)

        do_GET = do_POST = do_PUT = do_PATCH = _serve

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def receiver():
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    transport.pools_clear()


@pytest.fixture
def private_targets(settings):
    """The guard lifted, as in development: local receivers are reachable."""
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = True
    settings.OUTBOUND_RETRY_SCHEDULE = [1, 2, 3, 4, 5]
    settings.OUTBOUND_READ_TIMEOUT = 1.0
    settings.OUTBOUND_CONNECT_TIMEOUT = 1.0


def make_call(account, **fields) -> Call:
    values = {
        "provider": "calltrackingmetrics",
        "provider_call_id": f"c-{Call.objects.count() + 1}",
        "provider_account_id": "25001",
        "started_at": timezone.now() - timedelta(minutes=3),
        "status": "answered",
        "direction": "inbound",
        "duration": 187,
        "talk_time": 164,
        "caller_number": "+15551234567",
        "tracking_number": "+15559876543",
        "source": "Google Ads",
        "caller_name": 'Jane "JJ" Doe & Co',
        "raw": {"id": 9001, "custom_fields": {"crm_id": "A-17"}},
    }
    values.update(fields)
    return Call.objects.create(account=account, **values)


def snapshot(call: Call) -> dict:
    return {f.attname: getattr(call, f.attname) for f in Call._meta.concrete_fields}


def publish(call: Call, *, before: dict | None = None, origin: Origin = Origin.DELIVERY, news: bool = True):
    """What a store does after writing a call: one CallChange on the seam."""
    call_changes_publish(changes=[CallChange(call=call, before=before, origin=origin, news=news)])


def change(call: Call, *, origin: Origin = Origin.DELIVERY, **new_values) -> None:
    """Edit a stored call and publish the change, as a store would."""
    before = snapshot(call)
    for name, value in new_values.items():
        setattr(call, name, value)
    call.save()
    publish(call, before=before, origin=origin)
