"""Marketing Edge deliveries (seed 004's samples verbatim; aligned variants: tests/fixtures/marketingedge/NOTES.md)
-> normalized events. Pure: no database."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus, IgnoredEvent
from integrations.providers.marketingedge.normalize import EVENTS, UnusablePayload, dedupe_key, delivery_events
from integrations.untrusted import json_parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "marketingedge"


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def payload(name: str) -> dict:
    return json_parse(body(name))


def only(name_or_payload) -> CallEvent:
    events = delivery_events(payload(name_or_payload) if isinstance(name_or_payload, str) else name_or_payload)
    assert len(events) == 1
    return events[0]


def with_notification(name: str, **changes) -> dict:
    delivery = copy.deepcopy(payload(name))
    delivery["Notifications"][0].update(changes)
    return delivery


PREPROCESSED_START = datetime(2019, 11, 15, 14, 9, 54, tzinfo=UTC)  # 09:09:54 EST (UTC-5)


def test_every_wire_fixture_normalizes_and_the_capture_is_its_request_body():
    names = sorted(path.stem for path in FIXTURES.glob("*.json") if not path.stem.endswith("_capture"))
    assert {name.split("__")[0] for name in names} == set(EVENTS)
    for name in names:
        assert delivery_events(payload(name)), name
    capture = json_parse(body("CallDetails.CallProcessed__seed_capture"))
    assert capture["RequestBody"] == payload("CallDetails.CallProcessed__seed")
    with pytest.raises(UnusablePayload):  # a capture (headers + body) is not what is posted
        delivery_events(capture)


def test_preprocessed_is_a_partial_update_placed_by_start_time_in_its_time_zone():
    event = only("CallDetails.CallPreprocessed__seed")

    assert (event.provider, event.provider_call_id, event.provider_account_id) == (
        "marketingedge",
        "2079571437",
        "4062",
    )
    assert (event.kind, event.status, event.direction) == (
        CallEventKind.UPDATED,
        CallStatus.ANSWERED,
        CallDirection.INBOUND,
    )
    assert event.started_at == PREPROCESSED_START
    assert (event.tracking_number, event.caller_number) == ("+18669592359", "+19055552955")
    assert (event.duration, event.talk_time) == (9, 7)  # 09:09:54 -> 09:10:03; CallSeconds = answered -> end
    assert event.caller_name == "John Smith"
    assert event.caller_location == {
        "address": "2220 Marine Drive",
        "city": "Lansing",
        "state": "MI",
        "postal_code": "40293",
    }
    assert (event.recording_url, event.transcript, event.voicemail, event.keywords) == ("", "", False, ())
    assert (event.scoring, event.source) == ({}, "ABC Company")
    assert event.attribution == {"ad_definition_id": "4250816"}
    assert event.provisional is False and event.notes == ()
    assert event.raw == payload("CallDetails.CallPreprocessed__seed")["Notifications"][0]


def test_the_duplicated_monitor_start_time_parses_as_its_last_value_and_is_not_needed():
    notification = json.loads(body("CallDetails.CallPreprocessed__seed"))["Notifications"][0]
    assert notification["MonitorStartTime"] is None  # Python's json keeps the last of duplicated keys

    without_zone = with_notification("CallDetails.CallPreprocessed__seed", TimeZone="Saskatchewan")
    with pytest.raises(UnusablePayload):  # StartTime cannot be placed, MonitorStartTime is null
        delivery_events(without_zone)


def test_processed_is_the_completed_call_with_everything_telmetrics_adds():
    event = only("CallDetails.CallProcessed__seed")

    assert (event.provider_call_id, event.provider_account_id, event.kind) == (
        "1793078638",
        "1234",
        CallEventKind.COMPLETED,
    )
    # 13:17:24 Eastern on 4 May is EDT (UTC-4); the sample's MonitorStartTime (November) is not used.
    assert event.started_at == datetime(2016, 5, 4, 17, 17, 24, tzinfo=UTC)
    assert event.status is CallStatus.ANSWERED  # "Answered"
    assert (event.tracking_number, event.caller_number) == ("+16123159846", "+14167370693")
    assert (event.duration, event.talk_time) == (18, 10)
    assert event.recording_url == (
        "https://win5CalltelligenceAPI.telmetrics.com/filedownload.ashx/"
        "58836a43-69a8-463d-85cf-f16275468e9d/1793078638.mp3"
    )
    assert event.caller_name == ""
    assert event.caller_location == {"address": "TORONTO ON", "city": "TORONTO", "state": "ON"}
    assert event.transcript.startswith("Caller: And put on Agent: Come")
    assert event.transcript.endswith("press 1 to speak with a warranty specialist. ")  # kept as sent
    assert event.voicemail is False
    assert event.keywords == ("car", "bus", "plane", "train")
    assert event.scoring == {"Lead": None, "VoiceMail": None}
    assert event.attribution == {
        "utm_source": "google",
        "utm_medium": "search",
        "utm_campaign": "testcampaign",
        "utm_term": "testing",
        "utm_content": "banner1",
        "referrer": "google.com",  # ReferrerURL
        "landing_page": "http://test.com?utm=...",  # "LandingPagURL:"
        "ad_definition_id": "1234",  # AdDefinitionId
    }
    assert event.source == ""


def test_call_start_is_a_provisional_in_progress_call_at_its_utc_call_date():
    event = only("CallDetails.CallStartCall__seed")

    assert event.provider_call_id == "start:5eead1ab66254c5a89dfd0a2b0d4248e"
    assert (event.provisional, event.kind, event.status) == (True, CallEventKind.RECEIVED, CallStatus.IN_PROGRESS)
    assert event.provider_account_id == "4062"
    assert event.started_at == datetime(2019, 11, 15, 14, 9, 45, 591000, tzinfo=UTC)
    assert (event.tracking_number, event.caller_number) == ("+18669592359", "+19055802958")
    assert (event.caller_name, event.caller_location) == ("ONTARIO CALLER", {})
    assert event.attribution == {"landing_page": "http://123company.net/", "ad_definition_id": "4250816"}


def test_the_aligned_variants_are_one_call_the_store_can_join():
    start = only("CallDetails.CallStartCall__aligned")
    preprocessed = only("CallDetails.CallPreprocessed__seed")
    processed = only("CallDetails.CallProcessed__aligned")

    assert processed.provider_call_id == preprocessed.provider_call_id == "2079571437"
    assert processed.started_at == preprocessed.started_at == PREPROCESSED_START
    assert (start.tracking_number, start.caller_number) == (preprocessed.tracking_number, preprocessed.caller_number)
    assert abs(start.started_at - preprocessed.started_at) < timedelta(minutes=2)
    assert (processed.kind, processed.duration, processed.talk_time) == (CallEventKind.COMPLETED, 9, 7)


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        # US Eastern, 10 March 2019: 02:00 EST became 03:00 EDT.
        ("Eastern", "2019-03-10T01:30:00", datetime(2019, 3, 10, 6, 30, tzinfo=UTC)),  # before: UTC-5
        ("Eastern", "2019-03-10T03:30:00", datetime(2019, 3, 10, 7, 30, tzinfo=UTC)),  # after: UTC-4
        ("Eastern", "2019-03-10T02:30:00", datetime(2019, 3, 10, 7, 30, tzinfo=UTC)),  # skipped: offset before
        # 3 November 2019: 01:00-02:00 happened twice; the first (EDT) is taken.
        ("Eastern", "2019-11-03T01:30:00", datetime(2019, 11, 3, 5, 30, tzinfo=UTC)),
        ("Eastern", "2019-11-03T03:30:00", datetime(2019, 11, 3, 8, 30, tzinfo=UTC)),  # EST
        ("Central", "2019-01-15T08:00:00", datetime(2019, 1, 15, 14, 0, tzinfo=UTC)),  # CST -6
        ("Mountain", "2019-07-01T12:00:00", datetime(2019, 7, 1, 18, 0, tzinfo=UTC)),  # MDT -6
        ("Pacific", "2019-01-15T08:00:00", datetime(2019, 1, 15, 16, 0, tzinfo=UTC)),  # PST -8
        ("Atlantic", "2019-07-01T12:00:00", datetime(2019, 7, 1, 15, 0, tzinfo=UTC)),  # ADT -3
        ("Newfoundland", "2019-07-01T12:00:00", datetime(2019, 7, 1, 14, 30, tzinfo=UTC)),  # NDT -2:30
        ("Newfoundland", "2019-01-15T12:00:00", datetime(2019, 1, 15, 15, 30, tzinfo=UTC)),  # NST -3:30
        ("Alaska", "2019-07-01T12:00:00", datetime(2019, 7, 1, 20, 0, tzinfo=UTC)),  # AKDT -8
        ("Hawaii", "2019-07-01T12:00:00", datetime(2019, 7, 1, 22, 0, tzinfo=UTC)),  # HST -10, no DST
        (" eastern ", "2019-07-01T12:00:00", datetime(2019, 7, 1, 16, 0, tzinfo=UTC)),
    ],
)
def test_start_time_is_local_time_converted_to_utc_with_daylight_saving(zone, local, utc):
    event = only(with_notification("CallDetails.CallProcessed__seed", TimeZone=zone, StartTime=local, EndTime=None))

    assert event.started_at == utc
    assert event.duration == 10  # no EndTime: CallSeconds


def test_the_duration_spans_a_daylight_saving_change_in_real_seconds():
    delivery = with_notification(
        "CallDetails.CallProcessed__seed", StartTime="2019-03-10T01:59:00", EndTime="2019-03-10T03:01:00"
    )

    assert only(delivery).duration == 120  # 01:59 EST -> 03:01 EDT is two minutes


def test_an_unknown_time_zone_falls_back_to_monitor_start_time_and_says_so():
    event = only(with_notification("CallDetails.CallProcessed__seed", TimeZone="Saskatchewan"))

    assert event.started_at == datetime(2016, 11, 15, 14, 9, 53, 564000, tzinfo=UTC)
    assert event.notes == ("started_at: StartTime or TimeZone unreadable, MonitorStartTime (UTC) used",)


@pytest.mark.parametrize(
    ("answer_status", "status", "talk_time"),
    [
        (1, CallStatus.ANSWERED, 10),
        ("Answered", CallStatus.ANSWERED, 10),
        ("answered", CallStatus.ANSWERED, 10),
        ("1", CallStatus.ANSWERED, 10),
        (0, CallStatus.MISSED, 0),
        ("0", CallStatus.MISSED, 0),
        (None, CallStatus.UNKNOWN, 0),
        ("Busy", CallStatus.UNKNOWN, 0),
        (2, CallStatus.UNKNOWN, 0),
        (True, CallStatus.UNKNOWN, 0),
    ],
)
def test_answer_status_int_or_string_with_an_unknown_default(answer_status, status, talk_time):
    event = only(with_notification("CallDetails.CallProcessed__seed", AnswerStatus=answer_status))

    assert (event.status, event.talk_time) == (status, talk_time)


def test_voicemail_detected_and_other_spellings_are_read():
    delivery = with_notification(
        "CallDetails.CallProcessed__seed",
        VoiceMailDetected=True,
        AttributionDetails={"LandingPageUrl": "https://a.example/", "ReferrerUrl": "https://r.example/"},
        AdDetails={"AdDefinitionID": 77, "AdDefinitionName": "Spring ad"},
        OrganizationID=4062,
    )
    event = only(delivery)

    assert event.voicemail is True
    assert event.attribution == {
        "referrer": "https://r.example/",
        "landing_page": "https://a.example/",
        "ad_definition_id": "77",
    }
    assert (event.source, event.provider_account_id) == ("Spring ad", "4062")


def test_other_actions_are_ignored_and_an_empty_delivery_says_so():
    delivery = payload("CallDetails.CallPreprocessed__seed")
    delivery["Notifications"].append({"Action": "CallDetails.SalesRescue", "TelmetricsId": 1})

    events = delivery_events(delivery)

    assert [type(event) for event in events] == [CallEvent, IgnoredEvent]
    assert events[1] == IgnoredEvent(
        provider="marketingedge", event="CallDetails.SalesRescue", reason="A Marketing Edge action we do not use."
    )
    empty = {"Id": "647e8029bf9e432582bd746e9f8ee6d9", "Attempt": 1, "Notifications": []}
    assert delivery_events(empty) == [
        IgnoredEvent(provider="marketingedge", event="", reason="The delivery has no notifications.")
    ]


def test_two_call_starts_in_one_delivery_get_distinct_provisional_ids():
    delivery = payload("CallDetails.CallStartCall__seed")
    delivery["Notifications"].append(copy.deepcopy(delivery["Notifications"][0]))

    ids = [event.provider_call_id for event in delivery_events(delivery)]

    assert ids == ["start:5eead1ab66254c5a89dfd0a2b0d4248e", "start:5eead1ab66254c5a89dfd0a2b0d4248e:1"]


@pytest.mark.parametrize(
    "delivery",
    [
        [],
        {"Notifications": []},  # no Id
        {"Id": "x" * 65, "Notifications": []},
        {"Id": "647e8029 bf9e", "Notifications": []},
        {"Id": 1.5, "Notifications": []},
        {"Id": "647e8029bf9e432582bd746e9f8ee6d9", "Notifications": "none"},
        {"Id": "647e8029bf9e432582bd746e9f8ee6d9", "Notifications": ["CallDetails.CallProcessed"]},
    ],
)
def test_what_is_not_a_marketing_edge_delivery_is_unusable(delivery):
    with pytest.raises(UnusablePayload):
        delivery_events(delivery)


@pytest.mark.parametrize(
    "changes",
    [
        {"TelmetricsId": None},
        {"TelmetricsId": 2079571437.0},
        {"TelmetricsId": -2079571437},
        {"TelmetricsId": 10**70},  # 71 digits: cutting it could merge two calls
        {"TelmetricsId": True},
        {"CallSeconds": 8 * 24 * 3600},
        {"EndTime": "2019-11-25T09:10:03"},  # ten days after StartTime
        {"StartTime": "1985-11-15T09:09:54"},
        {"StartTime": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")},
        {"StartTime": "soon", "MonitorStartTime": None},
        {"OrganizationId": "org id with spaces"},
    ],
)
def test_a_call_that_cannot_be_stored_faithfully_is_refused(changes):
    with pytest.raises(UnusablePayload):
        delivery_events(with_notification("CallDetails.CallPreprocessed__seed", **changes))


@pytest.mark.parametrize("changes", [{"CallDate": None}, {"CallDate": "15/11/2019 14:09"}, {"CallDate": "1970-01-01"}])
def test_a_call_start_without_a_plausible_call_date_is_refused(changes):
    with pytest.raises(UnusablePayload):
        delivery_events(with_notification("CallDetails.CallStartCall__seed", **changes))


def test_a_call_start_id_that_would_be_too_long_is_refused_not_cut():
    delivery = payload("CallDetails.CallStartCall__seed")
    delivery["Id"] = "a" * 60  # "start:" + 60 characters is over 64

    with pytest.raises(UnusablePayload):
        delivery_events(delivery)


def test_nuls_and_lone_surrogates_are_made_storable_and_long_text_survives():
    transcript = "Caller: hello " * 20_000
    raw = body("CallDetails.CallProcessed__seed").replace(b'"CallerName": ""', b'"CallerName": "Jo\\u0000hn \\ud83d"')
    delivery = json_parse(raw)
    delivery["Notifications"][0]["CallTranscript"] = transcript + "\x00"

    event = only(delivery)

    assert event.caller_name == "John \ufffd"
    assert event.transcript == transcript
    assert event.raw["CallerName"] == "John \ufffd" and "\x00" not in event.raw["CallTranscript"]
    assert set(event.notes) == {
        "caller_name: characters a database cannot store were removed",
        "transcript: characters a database cannot store were removed",
        "raw: characters a database cannot store were removed",
    }


def test_a_retry_with_a_higher_attempt_has_the_same_dedupe_key_and_a_new_delivery_id_does_not():
    first, retry = body("CallDetails.CallProcessed__aligned"), body("CallDetails.CallProcessed__aligned_attempt2")
    assert first != retry

    key = dedupe_key(json_parse(first), first)

    assert key == dedupe_key(json_parse(retry), retry)
    assert len(key) == 64
    # The same call's Preprocessed came in another delivery (another Id): it must apply too.
    preprocessed = body("CallDetails.CallPreprocessed__seed")
    assert key != dedupe_key(json_parse(preprocessed), preprocessed)


def test_a_dedupe_key_exists_for_any_stored_delivery():
    assert dedupe_key([], b"[]") != dedupe_key({}, b"{}")
    assert dedupe_key({"Id": None}, b'{"Id": null}') != dedupe_key({"Id": None}, b'{"Id":null}')
    assert dedupe_key({"Id": 5}, b"") != dedupe_key({"Id": "5"}, b"")
