"""A mapped custom source's pure functions: which field maps are saved (a call's or a form lead's, never
both or neither), and what a delivery read through one becomes. Fixtures: tests/fixtures/custom/NOTES.md.
No database."""

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from integrations.events import CallEvent, LeadEvent
from integrations.providers.custom.normalize import (
    UnusablePayload,
    call_event,
    delivery_events,
    field_map_clean,
    field_map_kind,
    lead_event,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "custom"
CALL_MAP = {
    "caller_number": "contact.primary_phone",
    "started_at": "created",
    "duration": "call.length_seconds",
    "tracking_number": "to",
}
LEAD_MAP = {  # reads lead__sample.json (see NOTES.md)
    "id": "submission_id",
    "submitted_at": "submitted",
    "name": "contact.full_name",
    "email": "contact.email",
    "phone_number": "contact.phone",
    "form_name": "form.title",
    "fields": "answers",
    "message": "comment",
    "source": "channel",
    "utm_source": "tracking.utm_source",
    "utm_medium": "tracking.utm_medium",
    "utm_campaign": "tracking.utm_campaign",
    "landing_page": "tracking.landing_page",
}
FORM = {
    "created": "2026-11-20T15:10:42Z",
    "person": {"email": "ada@example.com", "tel": "(555) 123-4567", "name": "Ada"},
    "form": "Contact us",
}
FORM_MAP = {"submitted_at": "created", "email": "person.email", "phone_number": "person.tel", "form_name": "form"}


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def clean_error(value) -> str:
    with pytest.raises(ValidationError) as caught:
        field_map_clean(value)
    return " ".join(caught.value.messages)


# --- which field maps are saved -------------------------------------------------------------------


def test_a_calls_map_and_a_leads_map_are_saved_and_say_what_they_describe():
    assert field_map_clean(CALL_MAP) == CALL_MAP and field_map_kind(CALL_MAP) == "call"
    assert field_map_clean(LEAD_MAP) == LEAD_MAP and field_map_kind(LEAD_MAP) == "lead"
    assert field_map_kind({"submitted_at": "t", "phone_number": "p"}) == "lead"  # a phone alone is not a call


@pytest.mark.parametrize("value", [{}, None, [], "started_at"])
def test_an_empty_map_is_refused_with_what_to_map_for_a_call_and_for_a_lead(value):
    message = clean_error(value)

    assert "a call maps started_at and caller_number" in message
    assert "a form lead maps submitted_at and email or phone_number" in message


def test_a_map_of_only_shared_fields_says_what_to_map():
    message = clean_error({"id": "uuid", "source": "channel", "utm_source": "u.s"})

    assert message.startswith("Say what the source posts: a call maps started_at and caller_number")


def test_a_map_mixing_a_calls_and_a_leads_fields_is_ambiguous_and_refused():
    message = clean_error({**CALL_MAP, "email": "contact.email", "form_name": "form"})

    assert message == (
        "A field map describes a call or a form lead, not both: caller_number, duration, started_at, "
        "tracking_number are a call's, email, form_name a lead's."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"caller_number": "a.b"}, "A call needs started_at mapped."),
        ({"duration": "d"}, "A call needs started_at and caller_number mapped."),
        ({"email": "e", "form_name": "f"}, "A form lead needs submitted_at mapped."),
        ({"submitted_at": "t", "name": "n", "message": "m"}, "A form lead needs email or phone_number mapped."),
        ({"form_name": "f"}, "A form lead needs submitted_at and email or phone_number mapped."),
    ],
)
def test_what_a_kind_needs_is_named(value, expected):
    assert clean_error(value) == expected


def test_unknown_fields_and_bad_paths_are_named():
    assert clean_error({**LEAD_MAP, "shoe_size": "x"}).startswith("Unknown fields shoe_size: a call maps any of")
    assert clean_error({**LEAD_MAP, "email": "contact..email"}) == (
        "Not a dotted path (letters, digits, _ or -, joined by dots): email."
    )


# --- what a delivery becomes ------------------------------------------------------------------------


def test_the_lead_sample_becomes_a_lead_with_every_mapped_field():
    lead = lead_event(sample("lead__sample"), field_map=LEAD_MAP, source_id="ep-1")

    assert isinstance(lead, LeadEvent)
    assert (lead.provider, lead.provider_lead_id, lead.provider_account_id) == ("custom", "sub_8f3a2c91d4", "ep-1")
    assert lead.submitted_at == datetime(2026, 11, 20, 15, 10, 42, tzinfo=UTC)
    assert (lead.name, lead.email, lead.phone_number) == ("Grace Hopper", "grace.hopper@example.com", "+15551234567")
    assert (lead.form_name, lead.source) == ("Book an appointment", "Website")
    assert lead.fields == {
        "preferred_day": "Tuesday",
        "treatment": "Cleaning",
        "new_patient": True,
        "message": "Mornings work best for me.",
    }
    assert lead.attribution == {
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "fall-cleaning",
        "landing_page": "https://acme-dental.example/book",
    }
    assert lead.raw == sample("lead__sample")


def test_without_a_mapped_id_the_same_submission_has_the_same_id_and_another_one_another():
    first = lead_event(FORM, field_map=FORM_MAP, source_id="ep")
    again = lead_event(json.loads(json.dumps(FORM)), field_map=FORM_MAP, source_id="ep")
    later = lead_event({**FORM, "created": "2026-11-20T15:11:00Z"}, field_map=FORM_MAP, source_id="ep")
    shouting = lead_event(
        {**FORM, "person": {**FORM["person"], "email": "ADA@example.com"}}, field_map=FORM_MAP, source_id="ep"
    )

    assert first.provider_lead_id.startswith("h:") and len(first.provider_lead_id) <= 64
    assert first.provider_lead_id == again.provider_lead_id == shouting.provider_lead_id
    assert later.provider_lead_id != first.provider_lead_id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"created": None}, "The submission time must be ISO 8601 or epoch seconds."),
        ({"created": "yesterday"}, "The submission time must be ISO 8601 or epoch seconds."),
        ({"created": "1970-01-02T00:00:00Z"}, "The submission time is not a plausible time."),
        ({"created": 4102444800}, "The submission time is not a plausible time."),  # 2100
        ({"person": {"email": "not an email", "tel": "12"}}, "The form lead has no email address or phone number"),
        ({"person": {}}, "The form lead has no email address or phone number"),
    ],
)
def test_a_submission_the_map_cannot_read_is_unusable(change, message):
    with pytest.raises(UnusablePayload, match=message):
        lead_event({**FORM, **change}, field_map=FORM_MAP, source_id="ep")


def test_one_way_to_answer_is_enough_and_a_bad_one_is_left_out():
    no_phone = lead_event({**FORM, "person": {"email": "ada@example.com"}}, field_map=FORM_MAP, source_id="ep")
    bad_email = lead_event(
        {**FORM, "person": {"email": "ada at example", "tel": "555 123 4567"}}, field_map=FORM_MAP, source_id="ep"
    )
    epoch = lead_event({**FORM, "created": 1763651442}, field_map=FORM_MAP, source_id="ep")

    assert (no_phone.email, no_phone.phone_number) == ("ada@example.com", "")
    assert (bad_email.email, bad_email.phone_number) == ("", "+15551234567")
    assert epoch.submitted_at == datetime(2025, 11, 20, 15, 10, 42, tzinfo=UTC)


def test_form_fields_must_be_an_object_and_text_is_made_storable():
    with pytest.raises(UnusablePayload, match="must be a JSON object"):
        lead_event({**FORM, "answers": ["a", "b"]}, field_map={**FORM_MAP, "fields": "answers"}, source_id="ep")
    lead = lead_event(
        {**FORM, "answers": {"note\x00": "hi\x00"}, "form": "F" * 300},
        field_map={**FORM_MAP, "fields": "answers"},
        source_id="ep",
    )
    assert lead.fields == {"note": "hi"} and lead.form_name == "F" * 200


def test_delivery_events_read_through_the_endpoints_map_make_a_lead_or_a_call():
    lead_endpoint = SimpleNamespace(pk="ep-lead", field_map=LEAD_MAP)
    call_endpoint = SimpleNamespace(pk="ep-call", field_map=CALL_MAP)

    [lead] = delivery_events((FIXTURES / "lead__sample.json").read_bytes(), endpoint=lead_endpoint)
    [call] = delivery_events((FIXTURES / "call__sample.json").read_bytes(), endpoint=call_endpoint)

    assert isinstance(lead, LeadEvent) and lead.provider_account_id == "ep-lead"
    assert isinstance(call, CallEvent) and (call.caller_number, call.duration) == ("+15551234567", 125)


def test_a_call_map_may_carry_attribution_too():
    call = call_event(
        {**sample("call__sample"), "utm": {"source": "bing"}},
        field_map={**CALL_MAP, "utm_source": "utm.source"},
        source_id="ep",
    )
    assert call.attribution == {"utm_source": "bing"}
