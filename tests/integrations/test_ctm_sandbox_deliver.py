"""`POST /_sandbox/deliver` says why nothing was delivered, over HTTP as the README's demo calls it."""

import json
import urllib.error
import urllib.request

import pytest

from integrations.models import Campaign, Key
from tests.integrations.test_webhook_registration import register

pytestmark = pytest.mark.django_db


def ask_to_deliver(settings, **body) -> tuple[int, dict]:
    root = settings.CTM_API_BASE_URL.removesuffix("/api/v1")
    request = urllib.request.Request(f"{root}/_sandbox/deliver", data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_start_delivery_with_only_call_completed_registered_names_what_is_missing(
    api, account, sandbox_token, ctm_sandbox, settings
):
    settings.PUBLIC_BASE_URL = "https://hooks.agency.example"
    campaign = Campaign.objects.create(
        account=account, name="Spring", key=Key.objects.get(pk=sandbox_token), ctm_account_id="25001"
    )
    assert register(api, sandbox_token, campaign, events=["call.completed"]).status_code == 201

    assert ask_to_deliver(settings, account_id=25001, position="start") == (
        200,
        {
            "deliveries": [],
            "reason": "no webhook of account 25001 is registered for call.received (position 'start'); "
            "registered: call.completed (position 'end')",
        },
    )
    status, answer = ask_to_deliver(settings, account_id=25001, position="end")
    assert status == 200 and len(answer["deliveries"]) == 1 and "reason" not in answer


def test_an_account_without_webhooks_says_so(ctm_sandbox, settings):
    assert ask_to_deliver(settings, account_id=25001, position="end") == (
        200,
        {
            "deliveries": [],
            "reason": "no webhook is registered for account 25001, so nothing was sent for call.completed "
            "(position 'end')",
        },
    )


def test_an_unknown_position_or_account_is_refused_with_the_known_ones(ctm_sandbox, settings):
    status, answer = ask_to_deliver(settings, account_id=25001, position="begin")
    assert status == 400
    assert answer["reason"] == (
        "unknown position 'begin': one of 'start' (call.received), 'end_immediate' (call.updated), "
        "'end' (call.completed)"
    )
    status, answer = ask_to_deliver(settings, account_id=99, position="end")
    assert status == 404
    assert answer["reason"].startswith("no account 99 in the sandbox (accounts: 25001")
