"""The gate that turns "a delivery was stored" into at most one queued drain task per burst.

A Redis key set with NX: the first delivery after a drain started sets it and queues a drain; the
rest see it set and queue nothing. The drain clears it when it starts, so deliveries stored while
it runs queue the next one. One plain redis-py round trip with a short timeout, behind the Redis
breaker: when Redis fails or hangs, no drain is queued and the sweeper finds the rows instead.
Without Redis (the embedded broker of the zero-configuration run) every delivery queues its drain.
"""

import redis
from django.conf import settings

from integrations.webhooks.redis_breaker import redis_breaker

KEY = "ctm:webhooks:drain-requested"
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        timeout = settings.WEBHOOK_REDIS_TIMEOUT
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    return _clients[url]


def gate_take() -> bool:
    """True if the caller should queue a drain: none was requested yet (and now one is), or there is
    no Redis gate at all. False while one is requested, and while Redis is failing (the sweeper)."""
    client = _client()
    if client is None:
        return True
    return redis_breaker.call(
        lambda: bool(client.set(KEY, 1, nx=True, ex=settings.WEBHOOK_DRAIN_GATE_SECONDS)), fallback=False
    )


def gate_release() -> None:
    """Let the next delivery queue a drain. If Redis fails, the key simply expires on its own."""
    client = _client()
    if client is not None:
        redis_breaker.call(lambda: client.delete(KEY), fallback=0)
