"""The adapters themselves: one for every provider in the registry, speaking the provider's own events,
and retries shaped as the providers document them."""

import json

import pytest

from integrations.providers.registry import PROVIDERS, provider_for
from tests.conftest import load_fixture
from tests.webhook_cases.adapters import ADAPTERS
from tests.webhook_cases.base import Hook


def test_every_provider_in_the_registry_has_an_adapter():
    assert set(ADAPTERS) == {provider.slug for provider in PROVIDERS}


@pytest.mark.parametrize("slug", sorted(ADAPTERS))
def test_the_adapters_events_are_the_providers_own(slug):
    adapter, events = ADAPTERS[slug], provider_for(slug).events
    assert adapter.final.event in events and adapter.partial.event in events
    assert adapter.unknown is None or adapter.unknown.event not in events
    assert adapter.unknown is not None or adapter.no_unknown_event_because


def test_a_marketing_edge_retry_is_the_same_id_at_the_next_attempt():
    adapter = ADAPTERS["marketingedge"]
    hook = Hook(endpoint_id="e", path="/v1/e/marketingedge/webhook/e/", secret="s" * 48)

    retry = adapter.retry(hook, adapter.delivery(hook, adapter.final))

    assert json.loads(retry.body) == load_fixture("marketingedge", "CallDetails.CallProcessed__aligned_attempt2")
