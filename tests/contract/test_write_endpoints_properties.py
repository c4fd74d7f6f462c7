"""The write endpoints against any JSON at all: never a 5xx, invalid input is a 400 envelope, nothing invalid stored.

For each write endpoint a valid body (aimed at real objects) is taken apart by hypothesis: one field, an
unknown field or the whole body becomes any JSON value (NULs, huge numbers, long strings, unicode, deep
nesting), a field is dropped, or the body is not JSON at all. Whatever is sent:

- the answer is the envelope and never a 5xx; an error names a code;
- an error stores nothing (the account's rows are what they were);
- an accepted body is one the OpenAPI contract calls valid: `{"name": 0}` can never create a campaign.
"""

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from integrations.models import Call, Campaign, Key, UserConfig, WebhookEndpoint
from integrations.providers.ctm.sandbox.data import DEMO_LOGIN, DEMO_PASSWORD
from notifications.models import Device, NotificationPreference
from tests.contract.conftest import World

EXAMPLES = 60  # per endpoint

WRITES: dict[str, tuple[str, str, Callable[[World], dict[str, Any]]]] = {
    "campaign create": (
        "post",
        "/v1/campaigns",
        lambda w: {
            "name": "Summer",
            "token": w.token_id,
            "ctm_account_id": "25001",
            "tracking_numbers": ["+15559876543"],
        },
    ),
    "campaign change": (
        "patch",
        "/v1/campaigns/{campaign_id}",
        lambda w: {"name": "Autumn", "status": "paused", "tracking_numbers": ["(555) 987-6543"]},
    ),
    "ctm connect": (
        "post",
        "/v1/e/calltrackingmetrics/auth",
        lambda w: {"username": DEMO_LOGIN, "password": DEMO_PASSWORD},
    ),
    "ctm config": (
        "post",
        "/v1/e/calltrackingmetrics/auth/config",
        lambda w: {"token": w.token_id, "account_id": "25001", "subaccount_id": "25002"},
    ),
    "webhook registration": (
        "post",
        "/v1/e/calltrackingmetrics/{token_id}/webhook",
        lambda w: {"campaign_id": w.campaign_id, "calltracking_account_id": "25001", "events": ["call.received"]},
    ),
    "device registration": ("post", "/v1/notifications/devices", lambda w: {"token": "fcm-2", "platform": "ios"}),
    "device removal": ("delete", "/v1/notifications/devices", lambda w: {"token": w.device_token}),
    "preferences": (
        "patch",
        "/v1/notifications/preferences",
        lambda w: {"call_missed": {"email": True, "push": True}, "project_added": {"in_app": False}},
    ),
    "call edit": (
        "patch",
        "/v1/calls/{call_id}",
        lambda w: {"tags": ["vip", "booked"], "sale_value": "1250.00", "notes": "Booked a cleaning"},
    ),
}

NASTY_STRINGS = st.sampled_from(
    ["", " ", "\x00", "Spring\x00", "\u202etxet", "💥" * 200, "x" * 100_000, "0", "true", "null", "+15559876543"]
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30, max_value=10**300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | NASTY_STRINGS
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
RAW_BODIES = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser recurses
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"name": 1' + b"0" * 5000 + b"}",  # an integer longer than Python converts
        b'{"name": "Spring"',
        b'{"name": NaN}',
        b"\x00\xff\xfe",
        b"",
        b'{"name": "\\u0000"}',
    ]
)


@st.composite
def mutations(draw, body: dict[str, Any]) -> tuple[str, Any]:
    """("json", body) with one part made arbitrary, or ("raw", bytes)."""
    kind = draw(st.sampled_from(["field", "field", "field", "unknown", "drop", "body", "raw"]))
    if kind == "raw":
        return "raw", draw(RAW_BODIES)
    if kind == "body":
        return "json", draw(ANY_JSON)
    if kind == "unknown":
        return "json", {**body, draw(st.text(min_size=1, max_size=20)): draw(ANY_JSON)}
    name = draw(st.sampled_from(sorted(body)))
    if kind == "drop":
        return "json", {k: v for k, v in body.items() if k != name}
    if isinstance(body[name], dict) and draw(st.booleans()):  # preferences: inside an event
        inner = draw(st.sampled_from(sorted(body[name])))
        return "json", {**body, name: {**body[name], inner: draw(ANY_JSON)}}
    return "json", {**body, name: draw(ANY_JSON)}


def stored(world: World) -> dict[str, list]:
    """Everything the write endpoints can change, as plain values."""
    account = world.account
    return {
        "campaigns": list(Campaign.objects.filter(account=account).order_by("pk").values()),
        "keys": [
            (k.pk, k.username, k.password, k.access_key, k.deleted, k.token_invalidated)
            for k in Key.objects.filter(account=account).order_by("pk")
        ],
        "configs": list(UserConfig.objects.filter(account=account).order_by("pk").values()),
        "webhooks": list(WebhookEndpoint.objects.filter(account=account).order_by("pk").values()),
        "devices": list(Device.objects.order_by("pk").values()),
        "preferences": list(NotificationPreference.objects.order_by("pk").values()),
        "calls": list(Call.objects.filter(account=account).order_by("pk").values()),
    }


def openapi_nullable_to_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` is `type: [T, "null"]` in JSON Schema."""
    if isinstance(schema, list):
        return [openapi_nullable_to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: openapi_nullable_to_json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        if "allOf" in converted or "$ref" in converted or "oneOf" in converted:
            converted = {"anyOf": [{"type": "null"}, converted]}
    return converted


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def request_schema(openapi: dict, method: str, path: str) -> dict:
    """The body the contract allows; for an operation that takes its input as query parameters (DELETE
    devices also reads them from a JSON body), those parameters as an object."""
    operation = openapi["paths"][path.replace("{campaign_id}", "{id}")][method]
    if "requestBody" in operation:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        body = {
            "type": "object",
            "properties": {p["name"]: p["schema"] for p in query},
            "required": [p["name"] for p in query if p.get("required")],
        }
    components = openapi_nullable_to_json_schema(openapi["components"])
    return {**openapi_nullable_to_json_schema(body), "components": components}


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_a_write_endpoint_answers_any_json_with_an_envelope_and_stores_nothing_invalid(endpoint, world, api, openapi):
    method, template, valid_body = WRITES[endpoint]
    path = template.format(campaign_id=world.campaign_id, token_id=world.token_id, call_id=world.call_id)
    contract = request_schema(openapi, method, template)  # `#/components/...` resolve inside it
    base = valid_body(world)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutation=mutations(base))
    @example(mutation=("json", {**base, "name": 0}))
    @example(mutation=("json", {**base, "token": "\x00"}))
    @example(mutation=("raw", b"[" * 100_000 + b"]" * 100_000))
    def check(mutation: tuple[str, Any]) -> None:
        kind, body = mutation
        raw = body if kind == "raw" else json.dumps(body).encode()
        with transaction.atomic():
            before = stored(world)
            response = api.generic(method.upper(), path, raw, content_type="application/json")
            answer = response.json()
            assert response.status_code < 500, (response.status_code, answer)
            assert isinstance(answer, dict) and isinstance(answer.get("success"), bool), answer
            if answer["success"]:
                assert kind == "json" or raw == b"", "an accepted body is JSON (or no body: nothing)"
                sent = body if kind == "json" else {}
                problems = [e.message for e in jsonschema.Draft202012Validator(contract).iter_errors(sent)]
                assert not problems, f"accepted although the contract calls it invalid: {problems}"
            else:
                assert answer["errno"] == response.status_code and response.status_code in {400, 401, 404, 415}
                assert isinstance(answer["code"], str) and answer["code"].isupper(), answer
                if answer["code"] == "VALIDATION_ERROR":
                    assert isinstance(answer.get("errors"), dict) and answer["errors"], answer
                assert stored(world) == before, "an error stored something"
            transaction.set_rollback(True)

    check()
