"""The shared cases' fixtures: one run per provider in the registry (ids = slugs), with its adapter."""

import pytest

from integrations.providers.registry import PROVIDERS
from tests.webhook_cases.adapters import ADAPTERS
from tests.webhook_cases.base import Hook, WebhookAdapter


@pytest.fixture(params=[provider.slug for provider in PROVIDERS])
def adapter(request) -> WebhookAdapter:
    """Parametrized by the registry, not by the adapters: a new provider runs every case, and fails them
    until it has an adapter."""
    if request.param not in ADAPTERS:
        pytest.fail(f"The provider {request.param!r} has no adapter in tests/webhook_cases/adapters.py.")
    return ADAPTERS[request.param]


@pytest.fixture
def hook(adapter, api, ctm, campaign) -> Hook:
    return adapter.create_hook(api=api, ctm=ctm, campaign=campaign)
