"""A budget for rejected deliveries, per client IP and per endpoint (django-ratelimit's counters).

Whoever has no credentials can still make us refuse them; past `WEBHOOK_REJECTION_RATE` refusals
from one IP, or aimed at one endpoint, the answer becomes 429 with Retry-After and nothing is
stored. Accepted deliveries are never counted and never limited. The counters live in the default
cache: Redis when REDIS_URL is set (one counter for every process), the process's memory otherwise.
If Redis fails, rejections are not limited for a while (each stored row is small) rather than slowed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from ctm_integration.client_ip import client_ip
from integrations.webhooks.redis_breaker import redis_breaker


@dataclass(frozen=True)
class RejectionBudget:
    exhausted: bool
    retry_after: int = 0


def _usage(request: HttpRequest, *, group: str, value: str) -> dict | None:
    return get_usage(
        request, group=group, key=lambda _group, _request: value, rate=settings.WEBHOOK_REJECTION_RATE, increment=True
    )


def rejection_count(request: HttpRequest, *, endpoint_key: str) -> RejectionBudget:
    """Count one more rejection for the client's IP and for the endpoint; is either over budget?"""
    ip = client_ip(request) or "unknown"

    def count() -> RejectionBudget:
        usages = [
            _usage(request, group="webhook-rejections-ip", value=ip),
            _usage(request, group="webhook-rejections-endpoint", value=endpoint_key),
        ]
        over = [u for u in usages if u is not None and u["should_limit"]]
        if not over:
            return RejectionBudget(exhausted=False)
        return RejectionBudget(exhausted=True, retry_after=max(1, max(u["time_left"] for u in over)))

    return redis_breaker.call(count, fallback=RejectionBudget(exhausted=False))
