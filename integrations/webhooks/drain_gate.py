"""The gate that turns "a delivery was stored" into at most one queued drain task per burst.

A Redis key set with NX: the first delivery after a drain started sets it and queues a drain; the
rest see it set and queue nothing. The drain clears it when it starts, so deliveries stored while
it runs queue the next one. One plain redis-py round trip; without Redis (the embedded broker of
the zero-configuration run) every delivery simply queues its drain.
"""

import redis
from django.conf import settings

KEY = "ctm:webhooks:drain-requested"
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return _clients[url]


def gate_take() -> bool:
    """True if no drain was requested yet (and now one is): the caller queues it."""
    client = _client()
    if client is None:
        return True
    return bool(client.set(KEY, 1, nx=True, ex=settings.WEBHOOK_DRAIN_GATE_SECONDS))


def gate_release() -> None:
    client = _client()
    if client is not None:
        client.delete(KEY)
