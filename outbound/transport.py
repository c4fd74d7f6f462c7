"""One HTTP request to a checked address: the SSRF guard's other half.

The request connects to the address `outbound.ssrf` resolved and checked, while the Host header, the
TLS SNI and the certificate check use the URL's name: what is verified is what is connected to (no
DNS rebinding). Redirects are not followed, nothing is retried here (the outbox retries), timeouts
are `OUTBOUND_CONNECT_TIMEOUT` and `OUTBOUND_READ_TIMEOUT`, and only the first bytes of the answer
are read. Connection pools are kept per (address, name, port) for keep-alive.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError as Urllib3Error

from outbound.models import RESPONSE_KEPT_BYTES
from outbound.ssrf import Target

DRAINED_BYTES = 64 * 1024  # read past the kept bytes so the connection can be reused; more closes it
MAX_POOLS = 256
POOL_SIZE = 8


class TransportError(Exception):
    """No answer: a timeout, a refused or reset connection, a TLS failure."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # the first RESPONSE_KEPT_BYTES
    location: str = ""  # a redirect's target (not followed)


_pools: "OrderedDict[tuple, urllib3.HTTPConnectionPool]" = OrderedDict()
_pools_lock = threading.Lock()


def _pool(target: Target, address: str) -> urllib3.HTTPConnectionPool:
    key = (target.scheme, address, target.port, target.host, settings.OUTBOUND_CA_BUNDLE)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                target.port,
                maxsize=POOL_SIZE,
                cert_reqs="CERT_REQUIRED",
                ca_certs=settings.OUTBOUND_CA_BUNDLE or certifi.where(),
                server_hostname=target.host,  # SNI for the name, not the address
                assert_hostname=target.host,  # the certificate must be the name's
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, maxsize=POOL_SIZE)
        _pools[key] = pool
        while len(_pools) > MAX_POOLS:
            _pools.popitem(last=False)[1].close()
        return pool


def pools_clear() -> None:
    with _pools_lock:
        while _pools:
            _pools.popitem()[1].close()


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def request(*, method: str, url: str, target: Target, address: str, headers: dict[str, str], body: bytes) -> Answer:
    """Send one request to `address` for `url` (whose host is `target`)."""
    timeout = urllib3.Timeout(connect=settings.OUTBOUND_CONNECT_TIMEOUT, read=settings.OUTBOUND_READ_TIMEOUT)
    deadline = time.monotonic() + settings.OUTBOUND_CONNECT_TIMEOUT + 2 * settings.OUTBOUND_READ_TIMEOUT
    try:
        response = _pool(target, address).urlopen(
            method,
            _path_and_query(url),
            body=body if body or method != "GET" else None,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=False,
            timeout=timeout,
            preload_content=False,
            assert_same_host=False,
        )
    except Urllib3Error as exc:
        raise TransportError(_describe(exc)) from None
    kept, reusable = b"", False
    try:
        kept = response.read(RESPONSE_KEPT_BYTES)
        drained = 0
        while drained < DRAINED_BYTES and time.monotonic() < deadline:
            chunk = response.read(8192)
            if not chunk:
                reusable = True
                break
            drained += len(chunk)
    except Urllib3Error:
        pass  # the status came; a body that stalls or breaks off is not the attempt's outcome
    finally:
        if not reusable:
            response.close()  # unread bytes left on it: the connection is not reused
        response.release_conn()
    return Answer(status=response.status, body=kept, location=response.headers.get("Location", ""))


def _describe(exc: Exception) -> str:
    """A short reason people can act on (urllib3's own messages name pools and objects)."""
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    if isinstance(cause, urllib3.exceptions.ReadTimeoutError):
        return f"read timeout ({settings.OUTBOUND_READ_TIMEOUT:g} s)"
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        return f"connection failed: {_last_words(cause)}"
    if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
        return f"connect timeout ({settings.OUTBOUND_CONNECT_TIMEOUT:g} s)"
    if isinstance(cause, urllib3.exceptions.SSLError):
        return f"TLS error: {_last_words(cause)}"
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        return f"connection broken: {_last_words(cause)}"
    return f"{type(cause).__name__}: {_last_words(cause)}"


def _last_words(exc: BaseException) -> str:
    text = str(exc.args[-1] if exc.args else exc)
    return text.split("): ", 1)[-1] if "): " in text else text
