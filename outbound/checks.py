"""`manage.py check --deploy`: the SSRF guard must be on in production."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def ssrf_guard_on(app_configs, **kwargs) -> list[Warning]:
    if settings.OUTBOUND_ALLOW_PRIVATE_TARGETS:
        return [
            Warning(
                "OUTBOUND_ALLOW_PRIVATE_TARGETS is set: outbound webhooks can reach this network's private "
                "addresses (the SSRF guard is off).",
                hint="Unset it in production; it is for development, tests and demos.",
                id="outbound.W001",
            )
        ]
    return []
