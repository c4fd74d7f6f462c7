"""Call Tracker deliveries (seed 003's examples, JSON syntax fixed: tests/fixtures/calltracker/NOTES.md) ->
normalized events. Pure: no database."""

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
    MessageDirection,
    MessageEvent,
    TrackerEvent,
    UsageEvent,
)
from integrations.providers.calltracker.normalize import EVENTS, UnusablePayload, dedupe_key, delivery_events
from integrations.untrusted import json_parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "calltracker"


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def payload(name: str) -> dict:
    return json_parse(body(name))


def only(name_or_payload) -> object:
    events = delivery_events(payload(name_or_payload) if isinstance(name_or_payload, str) else name_or_payload)
    assert len(events) == 1
    return events[0]


def with_data(name: str, **changes) -> dict:
    delivery = payload(name)
    delivery["data"] = {**delivery["data"], **changes}
    return delivery


CALL_START = datetime(2019, 3, 9, 9, 9, 51, 733192, tzinfo=UTC)


def test_every_fixture_is_an_event_we_accept_and_normalizes():
    names = sorted(path.stem for path in FIXTURES.glob("*.json"))
    assert {name.split("__")[0] for name in names} == set(EVENTS)
    for name in names:
        assert delivery_events(payload(name)), name


def test_call_received_is_a_ringing_call():
    event = only("call.received__seed")

    assert isinstance(event, CallEvent)
    assert (event.provider, event.provider_call_id, event.provider_account_id) == ("calltracker", "59179", "1000")
    assert (event.kind, event.status, event.direction) == (
        CallEventKind.RECEIVED,
        CallStatus.IN_PROGRESS,
        CallDirection.INBOUND,
    )
    assert event.started_at == CALL_START
    assert (event.tracking_number, event.caller_number) == ("+12702822733", "+18558871739")
    assert (event.duration, event.talk_time, event.recording_url) == (0, 0, "")
    assert event.source == "organic" and event.is_first_time_caller is True
    assert event.caller_name == "" and event.caller_location == {"country": "US"}
    assert event.attribution == {
        "referrer": "https://www.google.com/",
        "landing_page": "https://calltracker.io/",
        "keyword": "(not provided)",
    }
    assert event.raw == payload("call.received__seed")["data"] and event.notes == ()


def test_call_finished_is_the_same_call_completed_and_its_offset_time_is_the_same_instant():
    received, finished = only("call.received__seed"), only("call.finished__seed")

    assert finished.provider_call_id == received.provider_call_id == "59179"
    assert (finished.kind, finished.status) == (CallEventKind.COMPLETED, CallStatus.ANSWERED)
    # "2019-03-09T04:09:51.733192-05:00" is the received event's "2019-03-09T09:09:51.733192Z".
    assert finished.started_at == received.started_at == CALL_START
    assert (finished.duration, finished.tracking_number, finished.caller_number) == (
        219,
        "+12702822733",
        "+18558871739",
    )


def test_recording_available_adds_the_recording_to_the_same_call():
    event = only("call.recording.available__seed")

    assert (event.provider_call_id, event.kind, event.status) == ("59179", CallEventKind.UPDATED, CallStatus.ANSWERED)
    assert event.recording_url == (
        "https://d2k1yc19c4o170.cloudfront.net/call_recordings/CAa0d99df2ede69656e55cd40e2ca05.mp3"
    )
    assert (event.started_at, event.duration) == (CALL_START, 219)


def test_voicemail_attaches_to_its_call_id_with_its_transcription():
    event = only("voicemail.received__seed")

    assert isinstance(event, CallEvent)
    assert (event.provider_call_id, event.provider_account_id, event.kind) == ("1000", "1111", CallEventKind.UPDATED)
    assert event.voicemail is True
    assert event.transcript == "Hi, this is an example voicemail transcription. Thanks."
    assert event.recording_url == "https://example.com/recording/example.wav"
    assert (event.tracking_number, event.caller_number) == ("+18886787987", "+18128787987")
    assert event.status is CallStatus.UNKNOWN  # a voicemail does not say how the call ended
    # No call time in a voicemail: the delivery's timestamp (no offset: UTC) stands in.
    assert event.started_at == datetime(2019, 5, 18, 8, 9, 59, 492000, tzinfo=UTC)


def test_the_aligned_voicemail_names_the_seed_call():
    assert only("voicemail.received__aligned").provider_call_id == only("call.received__seed").provider_call_id


def test_call_statuses_map_with_an_unknown_default():
    assert only(with_data("call.finished__seed", status="no-answer")).status is CallStatus.MISSED
    assert only(with_data("call.finished__seed", status="Busy")).status is CallStatus.MISSED
    assert only(with_data("call.finished__seed", status="canceled")).status is CallStatus.CANCELED
    assert only(with_data("call.finished__seed", status="failed")).status is CallStatus.FAILED
    assert only(with_data("call.finished__seed", status="exploded")).status is CallStatus.UNKNOWN
    assert only(with_data("call.finished__seed", status="ringing")).status is CallStatus.UNKNOWN  # finished
    assert only(with_data("call.received__seed", status=None)).status is CallStatus.IN_PROGRESS


def test_message_received_is_an_inbound_message_to_our_number():
    event = only("message.received__seed")

    assert isinstance(event, MessageEvent)
    assert (event.provider, event.provider_message_id, event.provider_account_id) == ("calltracker", "139", "1000")
    assert event.direction is MessageDirection.INBOUND
    assert event.sent_at == datetime(2019, 3, 9, 7, 30, 0, 942000, tzinfo=UTC)
    assert (event.from_number, event.to_number, event.tracking_number) == (
        "+18558871739",
        "+18556000724",
        "+18556000724",
    )
    assert event.body == "Hello! This is an message example"


def test_message_sent_is_an_outbound_message_from_our_number():
    event = only("message.sent__seed")

    assert (event.provider_message_id, event.direction) == ("140", MessageDirection.OUTBOUND)
    assert event.sent_at == datetime(2019, 3, 10, 5, 7, 2, 890000, tzinfo=UTC)
    assert (event.from_number, event.to_number, event.tracking_number) == (
        "+18556000724",
        "+18558871739",
        "+18556000724",
    )
    assert event.body == "Thanks for your message!"


@pytest.mark.parametrize("name", ["tracker.created__seed", "tracker.updated__seed"])
def test_trackers_are_mirrored(name):
    event = only(name)

    assert isinstance(event, TrackerEvent)
    assert (event.provider_tracker_id, event.provider_account_id, event.name) == ("1013", "1000", "Startup Lister")
    assert event.tracking_numbers == ("+18558871739",)
    assert (event.active, event.source) == (True, "")


def test_a_tracker_number_switched_off_is_left_out_and_an_inactive_tracker_says_so():
    delivery = with_data(
        "tracker.updated__seed",
        status=False,
        phone_numbers=[{"number": "8558871739", "status": True}, {"number": "+18005550100", "status": False}],
    )
    event = only(delivery)

    assert (event.tracking_numbers, event.active) == (("+18558871739",), False)


def test_usage_is_one_event_per_counter():
    events = delivery_events(payload("usage.created__seed"))

    assert all(isinstance(event, UsageEvent) for event in events)
    assert {(e.provider_usage_id, e.kind, e.quantity, e.unit) for e in events} == {
        ("32:local_minutes", "local_minutes", 203.0, "minutes"),
        ("32:tollfree_minutes", "tollfree_minutes", 234.0, "minutes"),
        ("32:local_numbers", "local_numbers", 10.0, "numbers"),
        ("32:tollfree_numbers", "tollfree_numbers", 3.0, "numbers"),
        ("32:sms_messages", "sms_messages", 18.0, "messages"),
    }
    assert {e.occurred_at for e in events} == {datetime(2019, 3, 10, 5, 13, 57, 573179, tzinfo=UTC)}
    assert {e.provider_account_id for e in events} == {"1000"}
    assert events[0].raw["start_date"] == "2019-02-10"


def test_an_unknown_event_type_is_ignored_not_failed():
    delivery = {"type": "call.transferred", "object": "call", "data": {"id": 1}}

    assert delivery_events(delivery) == [
        IgnoredEvent(provider="calltracker", event="call.transferred", reason="A Call Tracker event we do not use.")
    ]
    assert delivery_events({"type": "x" * 500})[0].event == "x" * 64


@pytest.mark.parametrize(
    "delivery",
    [
        [],
        "call.received",
        {"object": "call", "data": {"id": 1}},  # no type
        {"type": 7, "data": {"id": 1}},
        {"type": "call.received", "data": "59179"},
    ],
)
def test_what_is_not_a_call_tracker_delivery_is_unusable(delivery):
    with pytest.raises(UnusablePayload):
        delivery_events(delivery)


@pytest.mark.parametrize(
    "changes",
    [
        {"id": None},
        {"id": ""},
        {"id": "x" * 65},  # cutting it could merge two calls
        {"id": "59179 OR 1=1"},
        {"id": 59179.5},
        {"id": True},
        {"id": {"nested": 1}},
        {"call_duration": 8 * 24 * 3600},  # over a week
        {"call_duration": "1e400"},
        {"timestamp": "yesterday"},
        {"timestamp": None},
        {"timestamp": "1989-12-31T23:59:59Z"},
        {"timestamp": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
        {"company_id": "c" * 65},
    ],
)
def test_a_call_that_cannot_be_stored_faithfully_is_refused(changes):
    with pytest.raises(UnusablePayload):
        delivery_events(with_data("call.finished__seed", **changes))


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("voicemail.received__seed", {"call_id": None}),
        ("message.received__seed", {"id": "m" * 65}),
        ("tracker.created__seed", {"id": None}),
        ("usage.created__seed", {"local_minutes": -1}),
        ("usage.created__seed", {"sms_messages": 1e13}),
        ("usage.created__seed", {"tollfree_numbers": "three"}),
        ("usage.created__seed", {"id": "u" * 60}),  # "<id>:tollfree_minutes" would be over 64 characters
    ],
)
def test_other_events_that_cannot_be_stored_faithfully_are_refused(name, changes):
    with pytest.raises(UnusablePayload):
        delivery_events(with_data(name, **changes))


def test_unreadable_optional_values_are_empty_not_errors():
    event = only(with_data("call.finished__seed", caller_number="not a number", call_duration="n/a", recording=7))

    assert (event.caller_number, event.duration) == ("", 0)
    assert event.recording_url == ""
    assert only(with_data("call.finished__seed", tracking_number="2702822733")).tracking_number == "+12702822733"


def test_nuls_and_lone_surrogates_are_made_storable_and_long_text_survives():
    transcript = "word " * 40_000
    raw = json.dumps(
        {
            "type": "call.finished",
            "data": {
                "id": 59179,
                "timestamp": "2019-03-09T09:09:51Z",
                "caller_name": "Ann\u0000e \ud800",
                "source_channel": "s" * 300,
                "recording": "https://example.com/" + "r" * 1000,
                "landing_page": "https://example.com/\u0000",
            },
        }
    ).encode()
    event = only(json_parse(raw))

    assert event.caller_name == "Anne \ufffd"
    assert event.source == "s" * 200
    assert event.recording_url == ""
    assert event.attribution["landing_page"] == "https://example.com/"
    assert event.raw["caller_name"] == "Anne \ufffd"
    assert set(event.notes) == {
        "caller_name: characters a database cannot store were removed",
        "source: cut from 300 to 200 characters",
        "recording_url: longer than 1000 characters, not kept (a cut URL is a broken one)",
        "attribution.landing_page: characters a database cannot store were removed",
        "raw: characters a database cannot store were removed",
    }
    voicemail = only(with_data("voicemail.received__seed", transcription=transcript + "\u0000"))
    assert voicemail.transcript == transcript  # long text is kept whole


def test_an_exact_retry_has_the_same_dedupe_key_and_a_new_event_about_the_call_does_not():
    received, finished = body("call.received__seed"), body("call.finished__seed")

    key = dedupe_key(json_parse(received), received)
    assert key == dedupe_key(json_parse(received), bytes(received))
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != dedupe_key(json_parse(finished), finished)  # same data.id, another event
    recording = body("call.recording.available__seed")
    assert dedupe_key(json_parse(recording), recording) != dedupe_key(json_parse(finished), finished)
    # tracker.created and tracker.updated of the seed have the same data, but not the same type.
    created, updated = body("tracker.created__seed"), body("tracker.updated__seed")
    assert dedupe_key(json_parse(created), created) != dedupe_key(json_parse(updated), updated)


def test_a_dedupe_key_exists_for_any_stored_delivery():
    assert len(dedupe_key([1, 2], b"[1, 2]")) == 64
    assert dedupe_key({"type": "x"}, b'{"type": "x"}') != dedupe_key({"type": "x"}, b'{"type":"x"}')
