"""The one list of providers. Adding a provider is its folder plus one line here."""

from integrations.providers.base import Provider
from integrations.providers.callrail.provider import PROVIDER as CALLRAIL
from integrations.providers.calltracker.provider import PROVIDER as CALLTRACKER
from integrations.providers.ctm.provider import PROVIDER as CALLTRACKINGMETRICS
from integrations.providers.custom.provider import PROVIDER as CUSTOM
from integrations.providers.marketingedge.provider import PROVIDER as MARKETINGEDGE

PROVIDERS: tuple[Provider, ...] = (CALLTRACKINGMETRICS, CALLTRACKER, MARKETINGEDGE, CALLRAIL, CUSTOM)

_BY_SLUG = {provider.slug: provider for provider in PROVIDERS}


class UnknownProvider(LookupError):
    pass


def provider_for(slug: str) -> Provider:
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise UnknownProvider(f"No provider {slug!r}.") from None


def provider_choices() -> list[tuple[str, str]]:
    return [(provider.slug, provider.name) for provider in PROVIDERS]
