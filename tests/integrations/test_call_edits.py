"""What people edit by hand on a call (tags, sale value, notes): PATCH /v1/calls/<id> and the admin, both
through one service that publishes a MANUAL change on the seam."""

from decimal import Decimal

import pytest

from integrations.call_changes import Origin
from integrations.models import Call
from integrations.webhooks.processing import webhook_delivery_process
from tests.conftest import api_client_for, deliver, endpoint_url, load_fixture, owner_of

pytestmark = pytest.mark.django_db

END = load_fixture("ctm", "webhook__end")


@pytest.fixture
def call(client, endpoint, published) -> Call:
    """A call stored from a CTM delivery; what its storing published is forgotten."""
    response = deliver(client, endpoint_url(endpoint), END)
    assert webhook_delivery_process(delivery_id=response.json()["data"]["delivery_id"]).status == "processed"
    published.clear()
    return Call.objects.get()


def patch(api, call: Call, body):
    return api.patch(f"/v1/calls/{call.pk}", body, format="json")


def test_an_edit_is_stored_answered_and_published_as_a_manual_change(api, call, published):
    response = patch(api, call, {"tags": [" vip ", "booked", "vip", "booked "], "sale_value": "1250.5", "notes": "Hi"})

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["tags"], data["sale_value"], data["notes"]) == (["vip", "booked"], "1250.50", "Hi")
    assert data["status"] == "answered" and data["timeline"]  # the whole call, as GET shows it
    call.refresh_from_db()
    assert (call.tags, call.sale_value, call.notes) == (["vip", "booked"], Decimal("1250.50"), "Hi")

    (send,) = published.sends
    (change,) = send
    assert (change.origin, change.news, change.created) == (Origin.MANUAL, True, False)
    assert (change.previous("tags"), change.call.tags) == ([], ["vip", "booked"])
    assert (change.previous("sale_value"), change.call.sale_value) == (None, Decimal("1250.50"))
    assert change.changed("notes") and not change.changed("status")

    shown = api.get(f"/v1/calls/{call.pk}").json()["data"]
    listed = api.get("/v1/calls").json()["data"][0]
    for seen in (shown, listed):
        assert (seen["tags"], seen["sale_value"], seen["notes"]) == (["vip", "booked"], "1250.50", "Hi")


def test_what_is_not_sent_stays_and_null_clears_the_sale(api, call, published):
    patch(api, call, {"tags": ["vip"], "sale_value": "300", "notes": "First visit"})
    published.clear()

    response = patch(api, call, {"sale_value": None})

    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.tags, call.sale_value, call.notes) == (["vip"], None, "First visit")
    (change,) = published.changes
    assert (change.previous("sale_value"), change.call.sale_value) == (Decimal("300.00"), None)


def test_an_edit_that_changes_nothing_publishes_nothing(api, call, published):
    patch(api, call, {"tags": ["vip"], "sale_value": "300"})
    call.refresh_from_db()
    published.clear()

    for body in ({"tags": ["vip", " vip"], "sale_value": "300.00"}, {}, {"notes": ""}):
        response = patch(api, call, body)
        assert response.status_code == 200 and response.json()["data"]["tags"] == ["vip"]

    assert published.changes == []
    assert Call.objects.get().updated_at == call.updated_at


def test_the_providers_later_data_leaves_what_people_edited(client, endpoint, api, call):
    patch(api, call, {"tags": ["vip"], "sale_value": "99.99", "notes": "Call back"})

    update = {**END, "source": "Google Ads (retargeting)", "dial_status": "answered"}
    response = deliver(client, endpoint_url(endpoint) + "?event=call.updated", update)
    assert webhook_delivery_process(delivery_id=response.json()["data"]["delivery_id"]).status == "processed"

    call.refresh_from_db()
    assert call.source == "Google Ads (retargeting)"
    assert (call.tags, call.sale_value, call.notes) == (["vip"], Decimal("99.99"), "Call back")


def test_another_accounts_call_is_a_404(call, make_account, published):
    stranger = make_account("Other Agency")

    response = patch(api_client_for(owner_of(stranger), stranger), call, {"notes": "mine now"})

    assert response.status_code == 404 and response.json()["code"] == "CALL_NOT_FOUND"
    assert Call.objects.get().notes == "" and published.changes == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": "vip"}, "tags"),  # a list, not a string
        ({"tags": ["x" * 65]}, "tags"),
        ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
        ({"tags": ["  "]}, "tags"),
        ({"tags": [7]}, "tags"),
        ({"sale_value": "-1"}, "sale_value"),
        ({"sale_value": 12.5}, "sale_value"),  # a decimal is written as a string
        ({"sale_value": "1e3"}, "sale_value"),
        ({"sale_value": "12.345"}, "sale_value"),
        ({"sale_value": "12345678901"}, "sale_value"),  # more than 12 digits with the cents
        ({"sale_value": "12\n"}, "sale_value"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"notes": "a\x00b"}, "notes"),
        ({"status": "missed"}, "status"),  # the provider's data is not editable
    ],
)
def test_bad_edits_are_400s_naming_the_field_and_change_nothing(api, call, published, body, field):
    response = patch(api, call, body)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "VALIDATION_ERROR" and field in response.json()["errors"]
    assert Call.objects.get().updated_at == call.updated_at and published.changes == []


def test_limits_are_inclusive(api, call):
    body = {"tags": [f"{n:02d}" + "x" * 62 for n in range(50)], "sale_value": "9999999999.99", "notes": "n" * 10_000}
    response = patch(api, call, body)
    assert response.status_code == 200, response.json()
    assert len(response.json()["data"]["tags"]) == 50


# --- the admin ------------------------------------------------------------------------------------


def admin_save(admin_client, call: Call, **fields):
    form = {"tags": "", "sale_value": "", "notes": "", **fields}
    return admin_client.post(f"/admin/integrations/call/{call.pk}/change/", form)


def test_staff_edit_the_same_fields_in_the_admin_and_it_is_a_manual_change(admin_client, call, published):
    page = admin_client.get(f"/admin/integrations/call/{call.pk}/change/").content.decode()
    assert 'name="tags"' in page and 'name="sale_value"' in page and 'name="notes"' in page
    assert 'name="status"' not in page and 'name="caller_number"' not in page  # the provider's data: read-only

    response = admin_save(admin_client, call, tags="vip, booked ,vip", sale_value="42.10", notes="Staff note")

    assert response.status_code == 302, response.content.decode()[:3000]
    call.refresh_from_db()
    assert (call.tags, call.sale_value, call.notes) == (["vip", "booked"], Decimal("42.10"), "Staff note")
    (change,) = published.changes
    assert (change.origin, change.news) == (Origin.MANUAL, True)
    assert (change.previous("tags"), change.call.tags) == ([], ["vip", "booked"])


def test_the_admin_refuses_what_the_api_refuses(admin_client, call, published):
    for fields in ({"sale_value": "-3"}, {"tags": "x" * 65}, {"tags": ",".join(f"t{n}" for n in range(51))}):
        response = admin_save(admin_client, call, **fields)
        assert response.status_code == 200 and "errorlist" in response.content.decode()

    assert published.changes == [] and Call.objects.get().tags == []


def test_saving_the_admin_form_unchanged_publishes_nothing(admin_client, call, published):
    admin_save(admin_client, call, tags="vip")
    published.clear()

    assert admin_save(admin_client, call, tags="vip").status_code == 302

    assert published.changes == []
