"""A per-process cache for what every delivery looks up and rarely changes (its endpoint, its
tenant's signing secrets), kept honest by a shared generation number.

Whatever changes those lookups (a disconnect, an endpoint disabled or registered, a key or signing
secret saved or deleted, also by a cascade) calls `lookups_changed()`: this process forgets at once,
and a generation counter in the shared cache (Redis in production) moves, which every other process
reads at most once a second (GENERATION_READ_SECONDS, not once per delivery): a closed endpoint is
closed everywhere within a second. While the generation vouches for an entry, it lives up to
WEBHOOK_LOOKUP_CACHE_SECONDS (10 minutes: with 1,000 tenants a shorter life made most deliveries a
miss, five queries each, bench/README.md); when the shared cache cannot be read, an entry is trusted
for WEBHOOK_LOOKUP_CACHE_BLIND_SECONDS at most (the Redis breaker keeps that from slowing anything down).
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from integrations.webhooks.redis_breaker import redis_breaker

GENERATION_KEY = "webhooks:lookup-generation"
MAX_ENTRIES = 10_000
GENERATION_READ_SECONDS = 1.0
UNKNOWN = None  # the generation when the shared cache cannot be read: the time limit alone applies
_READ_IT = object()
_entries: dict[Hashable, tuple[float, object, Any]] = {}
_generation: list = [0.0, UNKNOWN]  # [read until (monotonic), the generation read]


def lookup_generation() -> object:
    """The shared generation, read from the shared cache at most once a second per process
    (UNKNOWN when it cannot be read, or when there is no shared cache)."""
    if not settings.REDIS_URL:
        return UNKNOWN  # a per-process cache (the zero-configuration run) shares no generation
    now = time.monotonic()
    if now >= _generation[0]:
        _generation[1] = redis_breaker.call(lambda: cache.get(GENERATION_KEY, 0), fallback=UNKNOWN)
        _generation[0] = now + GENERATION_READ_SECONDS
    return _generation[1]


def cached(key: Hashable, compute: Callable[[], Any], *, generation: object = _READ_IT) -> Any:
    """`compute()`'s value for `key`, reused while the generation (read once per delivery by the
    caller, or here) has not moved and the entry is younger than the time limit: the long one when the
    generation is known, the blind one when it cannot be read."""
    ttl = settings.WEBHOOK_LOOKUP_CACHE_SECONDS
    if ttl <= 0:
        return compute()
    generation = lookup_generation() if generation is _READ_IT else generation
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None:
        computed_at, computed_in, value = hit
        if generation is UNKNOWN or computed_in is UNKNOWN:
            # Blind now, or when it was computed: no bump could be seen, so the short limit. (Not a
            # miss either: a Redis hiccup must not make every tenant's next delivery a miss.)
            fresh = now - computed_at < min(ttl, settings.WEBHOOK_LOOKUP_CACHE_BLIND_SECONDS)
        else:
            fresh = computed_in == generation and now - computed_at < ttl
        if fresh:
            return value
    value = compute()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (now, generation, value)
    return value


def lookups_changed() -> None:
    """Something a receiver looks up changed: this process forgets at once, and every process
    recomputes on its next delivery once the change has committed (not before: a process could
    otherwise cache the old rows under the new generation)."""
    clear()
    transaction.on_commit(_generation_bump)


def _generation_bump() -> None:
    clear()

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there yet (or expired from the cache)
            cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)

    redis_breaker.call(bump, fallback=None)


def clear() -> None:
    _entries.clear()
    _generation[0] = 0.0


@receiver(setting_changed)
def _clear_on_settings_change(**kwargs) -> None:
    clear()
