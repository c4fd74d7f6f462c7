"""A circuit breaker in front of Redis for the receivers' optional Redis work (the drain gate, the
rejection counters, the lookup generation).

None of that work is needed to accept a delivery: the row in the database is what counts, and the
sweeper finds rows nobody asked to drain. So a Redis that hangs must not slow the receiver: every
call has a short socket timeout, and after one failure this process skips Redis for
`WEBHOOK_REDIS_BREAKER_SECONDS`, then tries again with the next call.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

T = TypeVar("T")
REDIS_ERRORS = (redis.exceptions.RedisError, ConnectionInterrupted, BrokerError, OSError)


class RedisBreaker:
    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self, reason: object) -> None:
        with self._lock:
            already_open = self.is_open
            self._open_until = time.monotonic() + settings.WEBHOOK_REDIS_BREAKER_SECONDS
        if not already_open:
            logger.warning(
                "redis unavailable (%s): skipping it for %ss; the sweeper picks up waiting deliveries",
                reason,
                settings.WEBHOOK_REDIS_BREAKER_SECONDS,
            )

    def reset(self) -> None:
        self._open_until = 0.0

    def call(self, action: Callable[[], T], *, fallback: T) -> T:
        """`action()`, or `fallback` while the breaker is open or when Redis fails (which opens it)."""
        if self.is_open:
            return fallback
        try:
            return action()
        except REDIS_ERRORS as exc:
            self.trip(f"{type(exc).__name__}: {exc}")
            return fallback


redis_breaker = RedisBreaker()
