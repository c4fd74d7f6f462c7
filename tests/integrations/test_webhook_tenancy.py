"""Whose delivery is it: the tenant is decided first, and only that tenant's secrets are accepted."""

import pytest
import responses
from django.db import connection

from integrations.models import Call, Campaign, Key, TrackedNumber, WebhookDelivery, WebhookEndpoint
from integrations.webhooks.processing import webhook_deliveries_process
from tests.conftest import WEBHOOK_SECRET, deliver, endpoint_url, load_fixture

pytestmark = pytest.mark.django_db

SHARED_URL = "/v1/e/calltrackingmetrics/webhook/call-update"
END = load_fixture("ctm", "webhook__end")  # CTM account 25001, tracking number +15559876543
SEED = load_fixture("ctm", "webhook__seed_envelope")
OTHER_SECRET = "SK-other-tenant-secret"


@pytest.fixture
def other_tenant(make_account):
    """An unrelated account with its own CTM credentials and CTM account 99999."""
    account = make_account("Unrelated Plumbing")
    key = Key.objects.create(
        account=account,
        username="u",
        password="p",
        access_key="ak",
        secret=OTHER_SECRET,
        ctm_default_account_id="99999",
    )
    return account, key


def test_a_delivery_signed_with_an_unrelated_accounts_secret_is_not_stored_as_anothers_call(
    client, campaign, other_tenant
):
    # The number is tracked by `campaign`'s tenant; the payload names the other tenant's CTM account
    # and is signed with the other tenant's secret. It used to become a call of `campaign`'s tenant.
    response = deliver(client, SHARED_URL, {**END, "account_id": 99999}, secret=OTHER_SECRET, login=None)

    assert (response.status_code, response.json()["code"]) == (401, "INVALID_SIGNATURE")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.valid, delivery.account, delivery.endpoint) == (False, None, None)  # attributed to nobody


def test_a_payload_account_that_is_not_the_tenants_is_account_mismatch(client, campaign):
    response = deliver(client, SHARED_URL, {**END, "account_id": 99999}, login=None)  # signed with the tenant's

    assert (response.status_code, response.json()["code"]) == (401, "ACCOUNT_MISMATCH")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.valid, delivery.status, delivery.account) == (False, "invalid", campaign.account)


def test_at_an_endpoint_url_only_that_tenants_secrets_verify(client, endpoint, other_tenant):
    stranger = deliver(client, endpoint_url(endpoint), END, secret=OTHER_SECRET)
    mismatch = deliver(client, endpoint_url(endpoint), {**END, "account_id": 99999})

    assert (stranger.status_code, stranger.json()["code"]) == (401, "INVALID_SIGNATURE")
    assert (mismatch.status_code, mismatch.json()["code"]) == (401, "ACCOUNT_MISMATCH")


def test_at_the_shared_url_a_valid_signature_is_enough_even_when_the_endpoint_has_a_login(client, endpoint):
    response = deliver(client, SHARED_URL, SEED, login=None)  # the seed's own format, no Basic auth

    assert response.status_code == 200, response.json()
    assert WebhookDelivery.objects.get().endpoint == endpoint


def test_the_seed_envelope_may_carry_the_ctm_account_at_the_top_level(client, endpoint, other_tenant):
    call = {k: v for k, v in SEED["call"].items() if k != "account_id"}
    mine = deliver(client, SHARED_URL, {"event": "call.completed", "account_id": 25001, "call": call}, login=None)
    foreign = deliver(client, SHARED_URL, {"event": "call.completed", "account_id": 99999, "call": call}, login=None)

    assert mine.status_code == 200
    assert (foreign.status_code, foreign.json()["code"]) == (401, "ACCOUNT_MISMATCH")
    assert set(webhook_deliveries_process().values()) == {"processed"}
    assert Call.objects.get().provider_account_id == "25001"


def test_when_two_tenants_track_the_same_number_the_signature_decides(client, campaign, other_tenant):
    other_account, other_key = other_tenant
    Campaign.objects.create(
        account=other_account, name="Theirs", key=other_key, ctm_account_id="99999", tracking_numbers=["+15559876543"]
    )
    mine = deliver(client, SHARED_URL, {**END, "id": 1}, login=None)
    theirs = deliver(client, SHARED_URL, {**END, "id": 2, "account_id": 99999}, secret=OTHER_SECRET, login=None)

    assert (mine.status_code, theirs.status_code) == (200, 200)
    webhook_deliveries_process()
    owners = dict(Call.objects.values_list("provider_call_id", "account"))
    assert owners == {"1": campaign.account.pk, "2": other_account.pk}


# --- the tracking-number index -------------------------------------------------------------------


def test_the_tracking_number_index_follows_campaigns_on_every_path(api, campaign):
    assert list(TrackedNumber.objects.values_list("number", flat=True)) == ["+15559876543"]

    api.patch(f"/v1/campaigns/{campaign.pk}", {"tracking_numbers": ["+15550001111", "+15550002222"]}, format="json")
    assert sorted(TrackedNumber.objects.values_list("number", flat=True)) == ["+15550001111", "+15550002222"]

    api.delete(f"/v1/campaigns/{campaign.pk}")
    assert not TrackedNumber.objects.exists()


def test_matching_a_number_reads_a_handful_of_rows_however_many_campaigns_exist(client, campaign, make_account):
    crowd = make_account("Crowd")
    Campaign.objects.bulk_create(
        Campaign(account=crowd, name=f"c{n}", tracking_numbers=[f"+1555{n:07d}"]) for n in range(300)
    )
    largest = []

    def count_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT"):
            largest.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(count_rows):
        unknown = deliver(client, SHARED_URL, {**END, "account_id": 77777, "tracking_number": "+15550000001"})
        known = deliver(client, SHARED_URL, END, login=None)

    assert (unknown.status_code, known.status_code) == (404, 200)
    assert max(largest) <= 5  # the old lookup loaded every campaign (300+ rows) into Python


# --- a global disconnect closes the door ----------------------------------------------------------


def test_after_a_global_disconnect_the_endpoints_answer_410_and_their_ctm_webhooks_are_removed(
    client, api, ctm, endpoint, settings
):
    endpoint.provider_webhook_ids = {"call.completed": "777"}
    endpoint.save()
    assert deliver(client, endpoint_url(endpoint), END).status_code == 200  # also warms the lookup cache
    removed = ctm.add(
        responses.DELETE, f"{settings.CTM_API_BASE_URL}/accounts/25001/webhooks/777.json", json={"status": "deleted"}
    )

    answer = api.delete("/v1/e/calltrackingmetrics/auth?global=true")
    assert answer.status_code == 200 and answer.json()["data"]["webhooks_disabled"] == 1

    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert removed.call_count == 1
    response = deliver(client, endpoint_url(endpoint), {**END, "id": 5}, secret=WEBHOOK_SECRET)
    assert (response.status_code, response.json()["code"]) == (410, "ENDPOINT_DISABLED")
    closed = WebhookDelivery.objects.order_by("-pk").first()
    assert (closed.valid, closed.error_code) == (False, "ENDPOINT_DISABLED")
    assert deliver(client, SHARED_URL, {**END, "id": 6}, login=None).status_code == 404  # campaign disabled too


def test_a_global_disconnect_succeeds_when_ctm_cannot_remove_the_webhooks(client, api, ctm, endpoint, settings):
    endpoint.provider_webhook_ids = {"call.completed": "777"}
    endpoint.save()
    ctm.add(responses.DELETE, f"{settings.CTM_API_BASE_URL}/accounts/25001/webhooks/777.json", status=503)

    assert api.delete("/v1/e/calltrackingmetrics/auth?global=true").status_code == 200
    assert deliver(client, endpoint_url(endpoint), END).status_code == 410
