"""CallRail deliveries -> normalized events. The seeds have no CallRail sample: the fixtures are CallRail's own
documentation body (the signature vector) and bodies built from the reference's key list
(tests/fixtures/callrail/NOTES.md). Pure: no database."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.events import (
    CallDirection,
    CallEvent,
    CallEventKind,
    CallStatus,
    IgnoredEvent,
    LeadEvent,
    MessageDirection,
    MessageEvent,
)
from integrations.providers.callrail.normalize import EVENTS, UnusablePayload, dedupe_key, delivery_events
from integrations.untrusted import json_parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "callrail"
CALL_ID = "CAL0f4b9e21c7d84a6f8e53b1d2c9a07e64"
OUTBOUND_CALL_ID = "CAL5e2a7c19d04b4f3a8c6e91b2d7f03a58"
COMPANY = "COMa6d3c0e2f51b4b8e9c07d2a41f3e5b86"
CALL_START = datetime(2026, 3, 12, 14, 15, 1, 882000, tzinfo=UTC)  # 10:15:01.882-04:00


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def payload(name: str) -> dict:
    return json_parse(body(name))


def event_of(name: str) -> str:
    return name.split("__")[0]


def only(name: str, *, changes: dict | None = None, event: str = ""):
    delivery = {**payload(name), **(changes or {})}
    events = delivery_events(delivery, event=event or event_of(name))
    assert len(events) == 1
    return events[0]


def test_every_fixture_is_an_event_we_accept_and_normalizes():
    names = sorted(path.stem for path in FIXTURES.glob("*.json"))
    assert {event_of(name) for name in names} == set(EVENTS)
    for name in names:
        assert delivery_events(payload(name), event=event_of(name)), name


def test_the_vendor_documentation_body_is_a_completed_voicemail_with_a_legacy_numeric_id():
    event = only("post_call__signature_vector")

    assert isinstance(event, CallEvent)
    assert (event.provider, event.provider_call_id, event.provider_account_id) == ("callrail", "766970532", "155920786")
    assert (event.kind, event.status, event.direction) == (
        CallEventKind.COMPLETED,
        CallStatus.MISSED,
        CallDirection.INBOUND,
    )
    assert event.voicemail is True
    assert event.started_at == datetime(2018, 2, 19, 18, 41, 0, 236000, tzinfo=UTC)  # 13:41:00.236-05:00
    assert (event.tracking_number, event.caller_number) == ("+14045558514", "+12148654559")
    assert (event.duration, event.talk_time) == (13, 0)  # "13": a string
    assert (event.source, event.is_first_time_caller) == ("Google AdWords", False)
    assert (
        event.recording_url == "https://app.callrail.com/calls/766970532/recording/redirect?access_key=aaaaccccddddeeee"
    )
    assert event.caller_name == "Kaylah Mills"
    assert event.caller_location == {"city": "Rochester", "state": "PA", "country": "US"}
    assert (event.transcript, event.keywords) == ("", ())
    assert event.scoring == {"lead_status": "previously_marked_good_lead", "score": 1}
    assert event.attribution == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "Google AdWords"}
    assert event.raw == payload("post_call__signature_vector") and event.notes == ()


def test_pre_call_is_ringing_whatever_answered_and_call_type_say():
    event = only("pre_call__inbound")

    assert (event.provider_call_id, event.provider_account_id) == (CALL_ID, COMPANY)  # resource ids win
    assert (event.kind, event.status) == (CallEventKind.RECEIVED, CallStatus.IN_PROGRESS)
    assert payload("pre_call__inbound")["call_type"] == "missed"
    assert event.started_at == CALL_START
    assert (event.tracking_number, event.caller_number, event.duration) == ("+14045558514", "+12148654559", 0)
    assert (event.source, event.is_first_time_caller) == ("Google Ads", True)


def test_routing_complete_is_an_update_of_the_same_ringing_call():
    event = only("call_routing_complete__inbound")

    assert (event.provider_call_id, event.kind, event.status) == (
        CALL_ID,
        CallEventKind.UPDATED,
        CallStatus.IN_PROGRESS,
    )
    assert event.started_at == CALL_START
    assert event.attribution == {
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "Spring roofing",
        "gclid": "EAIaIQobChMI8p2",
    }


def test_post_call_completes_the_call_with_recording_transcript_and_attribution():
    event = only("post_call__answered")

    assert (event.provider_call_id, event.kind, event.status) == (CALL_ID, CallEventKind.COMPLETED, CallStatus.ANSWERED)
    assert (event.started_at, event.duration, event.voicemail) == (CALL_START, 184, False)
    assert event.recording_url == f"https://app.callrail.com/calls/{CALL_ID}/recording/redirect?access_key=3f9c1e7a0b2d"
    assert event.transcript.startswith("Agent: Thanks for calling Boost Roofing")
    assert event.keywords == ("estimate", "roof repair")
    assert event.scoring == {}
    assert event.attribution == {
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "Spring roofing",
        "utm_term": "roof repair",
        "utm_content": "ad-42",
        "gclid": "EAIaIQobChMI8p2",
        "referrer": "https://www.google.com/",
        "landing_page": "https://boostroofing.example/roof-repair?utm_source=google",
        "keyword": "roof repair rochester",
    }


def test_call_modified_updates_the_call_with_its_new_values():
    event = only("call_modified__tags_note_value")

    assert (event.provider_call_id, event.kind, event.status) == (CALL_ID, CallEventKind.COMPLETED, CallStatus.ANSWERED)
    assert event.scoring == {"lead_status": "good_lead", "value": "250.00"}
    assert event.raw["changes"] == ["tags", "note", "value"]


def test_outbound_calls():
    completed, modified = only("outbound_post_call__answered"), only("outbound_call_modified__note")

    assert completed.provider_call_id == modified.provider_call_id == OUTBOUND_CALL_ID
    assert (completed.kind, completed.status, completed.direction) == (
        CallEventKind.COMPLETED,
        CallStatus.ANSWERED,
        CallDirection.OUTBOUND,
    )
    assert (modified.kind, modified.direction) == (CallEventKind.COMPLETED, CallDirection.OUTBOUND)
    assert completed.started_at == datetime(2026, 3, 12, 19, 40, 12, 612000, tzinfo=UTC)
    assert (completed.caller_number, completed.duration) == ("+14705550143", 95)  # the customer called
    # An outbound call object without `direction` is outbound by its URL.
    assert only("outbound_post_call__answered", changes={"direction": None}).direction is CallDirection.OUTBOUND
    assert only("outbound_post_call__answered", changes={"answered": False}).status is CallStatus.MISSED


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"call_type": "abandoned", "answered": False}, CallStatus.CANCELED),
        ({"call_type": "blocked", "answered": False}, CallStatus.FAILED),
        ({"call_type": "voicemail_transcription", "answered": False}, CallStatus.MISSED),
        ({"call_type": "Missed", "answered": False}, CallStatus.MISSED),
        ({"call_type": "something new", "answered": True}, CallStatus.ANSWERED),
        ({"call_type": None, "answered": None}, CallStatus.UNKNOWN),
    ],
)
def test_call_statuses_map_with_an_unknown_default(changes, status):
    assert only("post_call__answered", changes=changes).status is status


def test_text_messages():
    received, sent = only("text_message_received__sms"), only("text_message_sent__sms")

    assert isinstance(received, MessageEvent) and isinstance(sent, MessageEvent)
    assert (received.provider_message_id, received.provider_account_id, received.direction) == (
        "TXT4a9e2c7b1d0f46e8b3c5a9d27e1f08c6",
        COMPANY,
        MessageDirection.INBOUND,
    )
    assert received.sent_at == datetime(2026, 3, 12, 14, 42, 17, 503000, tzinfo=UTC)
    assert (received.from_number, received.to_number, received.tracking_number) == (
        "+12148654559",
        "+14045558514",
        "+14045558514",
    )
    assert received.body == "Hi, can you come by Friday morning for the roof estimate?"
    assert (sent.direction, sent.tracking_number, sent.to_number) == (
        MessageDirection.OUTBOUND,
        "+14045558514",
        "+12148654559",
    )
    assert sent.sent_at == datetime(2026, 3, 12, 14, 44, 51, 92000, tzinfo=UTC)


def test_a_form_submission_is_a_lead():
    event = only("form_submission__contact_form")

    assert isinstance(event, LeadEvent)
    assert (event.provider_lead_id, event.provider_account_id) == ("FOR3c8e1a9d52b74f0e6a1d9c4b7e20f58a", COMPANY)
    assert event.submitted_at == datetime(2026, 3, 13, 12, 27, 40, 318000, tzinfo=UTC)
    assert (event.name, event.email, event.phone_number) == (
        "Dana Whitfield",
        "dana.whitfield@example.com",
        "+16785550177",
    )
    assert event.fields == payload("form_submission__contact_form")["form_data"]
    assert (event.source, event.form_name) == ("Google Organic", "")
    assert event.attribution == {
        "utm_source": "google",
        "utm_medium": "organic",
        "referrer": "https://www.google.com/",
        "landing_page": "https://boostroofing.example/storm-damage",
    }


def test_a_form_without_customer_fields_takes_them_from_the_form():
    changes = {"customer_name": None, "customer_email": "", "customer_phone_number": None}
    event = only("form_submission__contact_form", changes=changes)

    assert (event.name, event.email, event.phone_number) == (
        "Dana Whitfield",
        "dana.whitfield@example.com",
        "+16785550177",  # "(678) 555-0177"
    )


def test_legacy_field_names_are_read():
    legacy = {
        "id": 766970532,
        "callernum": "2148654559",
        "trackingnum": "+14045558514",
        "datetime": "2018-02-19 18:41:00",
        "callercity": "Rochester",
        "callsource": "google_paid",
        "duration": "13",
    }
    event = delivery_events(legacy, event="post_call")[0]

    assert (event.provider_call_id, event.caller_number, event.tracking_number) == (
        "766970532",
        "+12148654559",
        "+14045558514",
    )
    assert event.started_at == datetime(2018, 2, 19, 18, 41, tzinfo=UTC)
    assert event.caller_location == {"city": "Rochester"}


def test_an_unreadable_start_time_falls_back_to_created_at():
    event = only("post_call__answered", changes={"start_time": "tomorrow"})

    assert event.started_at == datetime(2026, 3, 12, 14, 15, 2, 114000, tzinfo=UTC)


@pytest.mark.parametrize("event", ["", "convert_assist_complete", "post-call", "x" * 300])
def test_an_event_we_do_not_use_is_ignored(event):
    events = delivery_events(payload("post_call__answered"), event=event)

    assert len(events) == 1 and isinstance(events[0], IgnoredEvent)
    assert (events[0].provider, events[0].event) == ("callrail", event[:64])
    assert events[0].reason == ("A CallRail event we do not use." if event else "The URL names no CallRail event.")


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("post_call__answered", {"resource_id": None, "id": None}),
        ("post_call__answered", {"resource_id": "CAL" + "0" * 62}),  # 65 characters: never cut
        ("post_call__answered", {"resource_id": "CAL 0f4b"}),
        ("post_call__answered", {"resource_id": ["CAL0f4b"]}),
        ("post_call__answered", {"duration": "691200"}),  # eight days
        ("post_call__answered", {"duration": "1e999"}),
        ("post_call__answered", {"start_time": "later", "created_at": None}),
        ("post_call__answered", {"start_time": "1980-01-01T00:00:00Z"}),
        ("post_call__answered", {"start_time": (datetime.now(UTC) + timedelta(days=3)).isoformat()}),
        ("post_call__answered", {"company_resource_id": "COM/../../etc"}),
        ("text_message_received__sms", {"resource_id": None, "id": None}),
        ("text_message_received__sms", {"timestamp": None}),
        ("form_submission__contact_form", {"id": "FOR" + "1" * 70}),
        ("form_submission__contact_form", {"submitted_at": "2999-01-01T00:00:00Z"}),
    ],
)
def test_what_cannot_be_stored_faithfully_is_refused(name, changes):
    with pytest.raises(UnusablePayload):
        only(name, changes=changes)


@pytest.mark.parametrize("delivery", [[], "call", 5, None])
def test_a_body_that_is_not_an_object_is_unusable(delivery):
    with pytest.raises(UnusablePayload):
        delivery_events(delivery, event="post_call")


def test_unreadable_optional_values_are_empty_not_errors():
    event = only("post_call__answered", changes={"duration": "n/a", "customer_phone_number": "anonymous"})

    assert (event.duration, event.caller_number) == (0, "")
    assert only("post_call__answered", changes={"keywords_spotted": [{"keyword": "leak"}, "roof"]}).keywords == (
        "leak",
        "roof",
    )


def test_nuls_and_lone_surrogates_are_made_storable_and_long_text_survives():
    transcript = "Caller: my roof leaks. " * 10_000
    delivery = json_parse(
        json.dumps({**payload("post_call__answered"), "customer_name": "Kay\u0000lah \udc00"}).encode()
    )
    delivery["transcription"] = "\x00" + transcript

    event = delivery_events(delivery, event="post_call")[0]

    assert (event.caller_name, event.transcript) == ("Kaylah \ufffd", transcript)
    assert event.raw["customer_name"] == "Kaylah \ufffd" and event.raw["transcription"] == transcript
    assert set(event.notes) == {
        "caller_name: characters a database cannot store were removed",
        "transcript: characters a database cannot store were removed",
        "raw: characters a database cannot store were removed",
    }
    message = copy.deepcopy(payload("text_message_received__sms"))
    message["content"] = "hi\x00 " * 50_000
    assert delivery_events(message, event="text_message_received")[0].body == "hi " * 50_000


def test_an_exact_retry_has_the_same_dedupe_key_and_a_new_event_about_the_call_does_not():
    post_call, modified = body("post_call__answered"), body("call_modified__tags_note_value")

    key = dedupe_key(json_parse(post_call), post_call, event="post_call")

    assert key == dedupe_key(json_parse(post_call), bytes(post_call), event="post_call")
    assert len(key) == 64
    assert key != dedupe_key(json_parse(modified), modified, event="call_modified")  # same resource id
    # call_modified repeats with new content: it applies again.
    again = json.dumps({**json_parse(modified), "note": "Moved to Monday"}).encode()
    assert dedupe_key(json_parse(modified), modified, event="call_modified") != dedupe_key(
        json_parse(again), again, event="call_modified"
    )
    # The same body at another event's URL is another delivery.
    assert key != dedupe_key(json_parse(post_call), post_call, event="call_modified")


def test_a_dedupe_key_exists_for_any_stored_delivery():
    assert len(dedupe_key("x", b'"x"', event="")) == 64
    assert dedupe_key({"id": 1}, b"{}", event="post_call") != dedupe_key({"id": "1"}, b"{}", event="post_call")
