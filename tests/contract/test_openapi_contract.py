"""The OpenAPI schema at /api/schema/ is the contract, and schemathesis holds the service to it.

Every operation gets generated requests (the coverage phase's boundary and type-mutation cases, then
`EXAMPLES` fuzzed ones, positive and negative, derandomized) with an owner's JWT, against an account
whose CTM is connected to the project's CTM sandbox over real HTTP and which has a config, a campaign,
a webhook, a device and a notification: valid ids are aimed at those objects so that generated requests
reach real code paths instead of stopping at a 404.

A test fails on any 5xx, any status, content type, header or body the schema does not describe, any
invalid request that is accepted and any valid request that is rejected. The figures (requests made)
are printed at the end of the run; the whole module takes about a minute.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ctm_integration.wsgi import application
from tests.contract.conftest import REQUESTS, World

EXAMPLES = 20  # fuzzed examples per operation, on top of the coverage phase's cases

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.seed = 20261123
# Unknown query parameters and headers are ignored by design (proxies and frontends add their own),
# so requests that only add some are not "invalid data" for this API.
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=True, database="none", allow_extra_parameters=False
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])

# Rules between fields that OpenAPI 3.0 cannot state (they are in the parameters' descriptions): a
# schema-valid request these operations refuse with a 400 is right, so "valid data is accepted" is not
# checked for them. Everything else is, including "invalid data is refused".
RULES_BETWEEN_FIELDS = {
    "GET /v1/e/calltrackingmetrics/{token_id}/accounts/{ctm_account_id}/calls": "end_date >= start_date",
    "GET /v1/e/calltrackingmetrics/{token_id}/accounts/{ctm_account_id}/calls/summary": "at most 366 days",
    "GET /v1/e/calltrackingmetrics/{token_id}/accounts/{ctm_account_id}/calls/chart": "hourly: at most 31 days",
    "POST /v1/webhook-endpoints": "auth, signing_secret and field_map depend on the provider",
    "GET /v1/calls": "end_date >= start_date",
    "GET /v1/campaigns/{id}/summary": "at most 366 days",
    "GET /v1/campaigns/{id}/chart": "hourly: at most 31 days",
    "PATCH /v1/webhook-endpoints/{endpoint_id}": "signing_secret and field_map only where the provider uses them",
    "POST /v1/outbound-webhooks": "GET for pixels only, a template for mustache, keywords for keyword, auth by type",
    "PATCH /v1/outbound-webhooks/{outbound_webhook_id}": "the same rules, on the webhook as changed",
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


def _is_positive(case: schemathesis.Case, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is not None and component.mode.is_positive


def aim_at_real_objects(case: schemathesis.Case, world: World) -> None:
    """Valid generated ids become the ids of real objects; invalid ones are left to be refused."""
    real_path_ids = {
        "token_id": world.token_id,
        "ctm_account_id": world.ctm_account_id,
        "id": world.campaign_id,
        "webhook_id": world.webhook_id,
        "tracker_id": world.tracker_id,
        "notification_id": world.notification_id,
        "endpoint_id": world.endpoint_id,
        "call_id": world.call_id,
        "outbound_webhook_id": world.outbound_webhook_id,
        "delivery_id": world.delivery_id,
        "link_token": world.link_token,
    }
    if _is_positive(case, ParameterLocation.PATH):
        for name in case.path_parameters:
            case.path_parameters[name] = real_path_ids[name]
    if _is_positive(case, ParameterLocation.HEADER) and "X-Account-Id" in case.headers:
        case.headers["X-Account-Id"] = str(world.account.id)
    if _is_positive(case, ParameterLocation.QUERY) and case.path == "/v1/notifications/devices":
        case.query["token"] = world.device_token
    if not (_is_positive(case, ParameterLocation.BODY) and isinstance(case.body, dict)):
        return
    references = {
        "/v1/campaigns": {"token": world.token_id},
        "/v1/campaigns/{id}": {"token": world.token_id},
        "/v1/e/calltrackingmetrics/auth/config": {"token": world.token_id, "account_id": world.ctm_account_id},
        "/v1/e/calltrackingmetrics/{token_id}/webhook": {
            "campaign_id": world.campaign_id,
            "calltracking_account_id": world.ctm_account_id,
        },
        "/v1/webhook-endpoints": {"campaign_id": world.campaign_id},
        "/v1/webhook-endpoints/{endpoint_id}": {"campaign_id": world.campaign_id},
    }.get(case.path, {})
    for name, value in references.items():
        if name in case.body and case.body[name] is not None:
            case.body[name] = value


@pytest.fixture
def live_world(world: World) -> Iterator[World]:
    """`world`, with the database connection kept open across requests: Django closes it when a request
    finishes, which inside the test's transaction would end the test. Django's test client does the same
    (schemathesis calls the WSGI application itself), and re-connects the signals after each of its own
    requests, hence after `world` is built."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# The world is built once per operation: examples of one operation share it (a DELETE may remove it).
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_keeps_the_openapi_contract(case: schemathesis.Case, live_world: World) -> None:
    world = live_world
    aim_at_real_objects(case, world)
    REQUESTS[case.operation.label] += 1
    checks = [c for c in CHECKS if not (c is positive_data_acceptance and case.operation.label in RULES_BETWEEN_FIELDS)]
    case.call_and_validate(headers={"Authorization": f"Bearer {world.jwt}"}, checks=checks)
