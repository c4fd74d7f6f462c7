"""Staff add and change webhook endpoints of any provider in the admin, through the same services as the
API: the generated credentials are shown once (and are the ones that work), encrypted at rest and
redacted everywhere else; CTM's endpoints, registered at CTM, are not offered."""

import base64
import hashlib
import hmac
import html
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from integrations.models import Campaign, WebhookDelivery, WebhookEndpoint
from integrations.webhooks.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/integrations/webhookendpoint/add/"
LIST_URL = "/admin/integrations/webhookendpoint/"
FIXTURES = Path(__file__).parents[1] / "fixtures"
CALL_MAP = {"started_at": "created", "caller_number": "contact.primary_phone", "duration": "call.length_seconds"}
LEAD_MAP = {"submitted_at": "submitted", "email": "contact.email", "form_name": "form.title"}
SECRET_COLUMNS = ("signing_secret", "previous_signing_secret", "credential", "basic_username", "basic_password")


def change_url(endpoint_id) -> str:
    return f"/admin/integrations/webhookendpoint/{endpoint_id}/change/"


def add(admin_client, account, **fields):
    return admin_client.post(ADD_URL, {"account": account.pk, "name": "From the admin", **fields})


def shown_once(page: str) -> dict[str, str]:
    """What the one-time page shows: its rows' labels -> values."""
    rows = re.findall(r"<tr><th>(.*?)</th><td><code[^>]*>(.*?)</code></td></tr>", page)
    return {label: html.unescape(value) for label, value in rows}


def stored_columns(endpoint_id) -> dict[str, str]:
    columns = ", ".join(SECRET_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {WebhookEndpoint._meta.db_table} WHERE id = %s",  # noqa: S608
            [endpoint_id],
        )
        return dict(zip(SECRET_COLUMNS, cursor.fetchone(), strict=True))


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# How each provider authenticates a delivery with what the page showed (signed here, not by our code).
def marketingedge_headers(shown: dict, body: bytes) -> dict:
    digest = hmac.new(shown["Signing secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_MS_SIGNATURE": f"sha256={digest}", "HTTP_X_PUBLICKEY": "pk-admin-1"}


def callrail_headers(shown: dict, body: bytes) -> dict:
    digest = hmac.new(shown["Signing secret"].encode(), body, hashlib.sha1).digest()
    return {"HTTP_SIGNATURE": base64.b64encode(digest).decode()}


def standard_webhooks_headers(shown: dict, body: bytes) -> dict:
    now = timezone.now()
    return {
        "HTTP_WEBHOOK_ID": "msg_admin",
        "HTTP_WEBHOOK_TIMESTAMP": str(int(now.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(shown["Signing secret"]).sign("msg_admin", now, body.decode()),
    }


def basic_headers(shown: dict, body: bytes) -> dict:
    login = f"{shown['Basic-auth username']}:{shown['Basic-auth password']}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(login).decode()}


CASES = {
    "marketingedge": (
        {"provider": "marketingedge", "public_key": "pk-admin-1"},
        ["Signing secret"],
        ("marketingedge/CallDetails.CallProcessed__aligned", "URL"),
        marketingedge_headers,
    ),
    "calltracker-token": (
        {"provider": "calltracker"},
        ["Token"],
        ("calltracker/call.received__seed", "URL"),  # the shown URL carries ?token=
        lambda shown, body: {},
    ),
    "calltracker-basic": (
        {"provider": "calltracker", "auth": "basic"},
        ["Basic-auth username", "Basic-auth password"],
        ("calltracker/call.received__seed", "URL"),
        basic_headers,
    ),
    "callrail": (
        {"provider": "callrail"},
        ["Signing secret"],
        ("callrail/post_call__answered", "URL for post_call"),
        callrail_headers,
    ),
    "custom-calls": (
        {"provider": "custom", "field_map": json.dumps(CALL_MAP)},
        ["Signing secret"],
        ("custom/call__sample", "URL"),
        standard_webhooks_headers,
    ),
    "custom-leads-header-token": (
        {"provider": "custom", "auth": "header_token", "header_name": "X-Hook-Key", "field_map": json.dumps(LEAD_MAP)},
        ["Token"],
        ("custom/lead__sample", "URL"),
        lambda shown, body: {"HTTP_X_HOOK_KEY": shown["Token"]},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_an_endpoint_of_each_provider_is_added_and_its_credentials_are_shown_once(
    admin_client, client, account, campaign, case
):
    fields, secrets, (sample, url_label), headers_for = CASES[case]

    page = add(admin_client, account, campaign=campaign.pk, **fields)

    assert page.status_code == 200, page.content.decode()[:3000]
    assert "no-store" in page["Cache-Control"]
    shown = shown_once(page.content.decode())
    assert set(secrets) <= set(shown), shown
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.provider, endpoint.account, endpoint.campaign) == (fields["provider"], account, campaign)

    # What was shown is what works: a delivery authenticated with it is accepted.
    body = (FIXTURES / f"{sample}.json").read_bytes()
    response = client.generic(
        "POST", path_of(shown[url_label]), body, content_type="application/json", **headers_for(shown, body)
    )
    assert response.status_code == 200, response.content
    assert WebhookDelivery.objects.get().valid is True

    # Encrypted at rest, and never shown again.
    stored = stored_columns(endpoint.pk)
    for label in secrets:
        assert all(shown[label] not in (column or "") for column in stored.values())
    assert all(column.startswith("gAAAA") for column in stored.values() if column)
    later = [admin_client.get(change_url(endpoint.pk)), admin_client.get(LIST_URL)]
    assert all(p.status_code == 200 for p in later)
    for label in secrets:
        assert all(shown[label] not in p.content.decode() for p in later)
    assert "•••••••• (set)" in later[0].content.decode()


def test_a_signing_key_the_provider_gave_is_kept_and_nothing_is_shown(admin_client, account):
    page = add(admin_client, account, provider="callrail", signing_secret="072e77e426f92738a72fe23c4d1953b4")

    assert page.status_code == 302 and page["Location"] == LIST_URL
    assert WebhookEndpoint.objects.get().signing_secret == "072e77e426f92738a72fe23c4d1953b4"


def test_a_campaign_of_another_account_is_a_form_error(admin_client, account, make_account):
    elsewhere = Campaign.objects.create(account=make_account("Other agency"), name="Not yours")

    page = add(admin_client, account, provider="marketingedge", campaign=elsewhere.pk)

    assert page.status_code == 200
    assert "No campaign with that id in this account." in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"provider": "custom"}, "a form lead maps submitted_at and email or phone_number"),
        (
            {"provider": "custom", "field_map": json.dumps({**CALL_MAP, "email": "contact.email"})},
            "A field map describes a call or a form lead, not both",
        ),
        ({"provider": "marketingedge", "field_map": json.dumps(CALL_MAP)}, "deliveries have a fixed shape"),
        ({"provider": "marketingedge", "auth": "header_token"}, "deliveries authenticate with one of: signature."),
    ],
    ids=["custom-without-map", "ambiguous-map", "map-for-fixed-shape", "unsupported-auth"],
)
def test_what_the_service_refuses_is_a_form_error_and_nothing_is_created(admin_client, account, fields, message):
    page = add(admin_client, account, **fields)

    assert page.status_code == 200
    assert message in html.unescape(page.content.decode())
    assert not WebhookEndpoint.objects.exists()


def test_ctm_is_not_offered_and_the_form_says_where_its_endpoints_come_from(admin_client, account):
    form = html.unescape(admin_client.get(ADD_URL).content.decode())
    refused = add(admin_client, account, provider="calltrackingmetrics")

    assert 'value="calltrackingmetrics"' not in form
    assert all(f'value="{slug}"' in form for slug in ("marketingedge", "calltracker", "callrail", "custom"))
    assert (
        "CallTrackingMetrics endpoints are created by registering a webhook at CallTrackingMetrics: "
        "POST /v1/e/calltrackingmetrics/<tokenId>/webhook." in form
    )
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()


def custom_endpoint(account, **fields) -> tuple[WebhookEndpoint, str]:
    created = webhook_endpoint_create(account=account, provider="custom", field_map=CALL_MAP, **fields)
    return created.endpoint, created.revealed.get("signing_secret", "")


def change(admin_client, endpoint, **fields):
    data = {"name": endpoint.name, "active": "on", "field_map": json.dumps(endpoint.field_map), **fields}
    return admin_client.post(change_url(endpoint.pk), {k: v for k, v in data.items() if v is not None})


def test_a_generated_secret_rotates_and_is_shown_once_and_the_previous_one_works_for_24_hours(admin_client, account):
    endpoint, old = custom_endpoint(account)

    page = change(admin_client, endpoint, generate_signing_secret="on")

    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    new = shown_once(page.content.decode())["Signing secret"]
    endpoint.refresh_from_db()
    assert new.startswith("whsec_") and new != old
    assert endpoint.signing_secrets() == [new, old]
    expires = endpoint.previous_secret_expires_at
    assert timedelta(hours=23, minutes=59) < expires - timezone.now() <= timedelta(hours=24)
    again = admin_client.get(change_url(endpoint.pk)).content.decode()
    assert new not in again and old not in again and "accepted until" in again


def test_a_typed_secret_rotates_too_and_is_not_shown(admin_client, account):
    endpoint, old = custom_endpoint(account)
    typed = "whsec_" + base64.b64encode(b"k" * 32).decode()

    page = change(admin_client, endpoint, new_signing_secret=typed)

    assert page.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets() == [typed, old]


def test_changes_go_through_the_service(admin_client, account, campaign, make_account):
    endpoint, _ = custom_endpoint(account)
    other = Campaign.objects.create(account=make_account("Other agency"), name="Not yours")

    refused = change(admin_client, endpoint, campaign=other.pk)
    changed = change(admin_client, endpoint, name="Forms", campaign=campaign.pk, field_map=json.dumps(LEAD_MAP))
    ambiguous = change(admin_client, endpoint, field_map=json.dumps({**LEAD_MAP, "duration": "d"}))

    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert changed.status_code == 302
    assert ambiguous.status_code == 200 and "not both" in ambiguous.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.campaign, endpoint.field_map) == ("Forms", campaign, LEAD_MAP)
    assert endpoint.events == ["lead"]  # the service derives them from the map
    assert change(admin_client, endpoint, active=None).status_code == 302  # unticked
    endpoint.refresh_from_db()
    assert endpoint.status == "disabled"


def test_deactivate_action_and_a_ctm_endpoint_is_left_to_ctm(admin_client, account, endpoint):
    custom, _ = custom_endpoint(account)

    page = admin_client.post(
        LIST_URL, {"action": "deactivate", "_selected_action": [custom.pk, endpoint.pk]}, follow=True
    ).content.decode()

    custom.refresh_from_db()
    endpoint.refresh_from_db()
    assert (custom.status, endpoint.status) == ("disabled", "active")
    assert "1 endpoint(s) deactivated." in page
    assert "/v1/e/calltrackingmetrics/&lt;tokenId&gt;/webhook" in page


def test_a_ctm_endpoints_page_offers_only_what_is_changed_here_and_nothing_is_deleted(admin_client, endpoint):
    page = admin_client.get(change_url(endpoint.pk)).content.decode()

    assert 'name="name"' in page and 'name="campaign"' in page
    assert 'name="active"' not in page and 'name="generate_signing_secret"' not in page
    assert admin_client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/delete/").status_code == 403
