"""A per-process cache with a time limit, for what every delivery looks up and rarely changes
(its endpoint, its signing secrets): a change takes effect within WEBHOOK_LOOKUP_CACHE_SECONDS."""

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

_entries: dict[Hashable, tuple[float, Any]] = {}
MAX_ENTRIES = 10_000


def cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    ttl = settings.WEBHOOK_LOOKUP_CACHE_SECONDS
    if ttl <= 0:
        return compute()
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (now + ttl, value)
    return value


def clear() -> None:
    _entries.clear()


@receiver(setting_changed)
def _clear_on_settings_change(**kwargs) -> None:
    clear()
