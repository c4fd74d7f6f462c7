"""Trigger and filter matching: pure functions of the published change (no database, no sending)."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.call_changes import ActivityCreated, CallChange, Origin
from integrations.models import Call, Lead, Message
from outbound.matching import Rule, activity_fires, call_change_fires, call_triggers, filters_match

CAMPAIGN = uuid.uuid4()


def a_call(**fields) -> Call:
    values = {
        "provider": "calltrackingmetrics",
        "provider_call_id": "c1",
        "started_at": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "status": "in_progress",
        "direction": "inbound",
        "source": "Google Ads",
        "tracking_number": "+15559876543",
        "duration": 0,
        "talk_time": 0,
        "campaign_id": CAMPAIGN,
        "tags": [],
    }
    values.update(fields)
    return Call(**values)


def fields_of(call: Call) -> dict:
    return {f.attname: getattr(call, f.attname) for f in Call._meta.concrete_fields}


def changed(before: Call, origin: Origin = Origin.DELIVERY, news: bool = True, **after) -> CallChange:
    call = a_call(**{**{k: v for k, v in fields_of(before).items() if k not in ("id",)}, **after})
    return CallChange(call=call, before=fields_of(before), origin=origin, news=news)


def created(news: bool = True, **fields) -> CallChange:
    return CallChange(call=a_call(**fields), before=None, origin=Origin.DELIVERY, news=news)


RINGING = a_call()
ANSWERED = a_call(status="answered", duration=187, talk_time=164)


@pytest.mark.parametrize(
    ("the_change", "fires"),
    [
        (created(), {"start", "update"}),
        (changed(RINGING, status="answered"), {"answered", "update", "end_immediate"}),
        (changed(RINGING, status="canceled"), {"hangup", "update", "end_immediate"}),
        (changed(RINGING, status="missed", voicemail=True), {"voicemail", "update", "end_immediate"}),
        (changed(ANSWERED, completed=True), {"end", "end_delayed", "update"}),
        (changed(ANSWERED, recording_url="https://rec.example/1.mp3"), {"recording", "update"}),
        (changed(ANSWERED, sale_value=Decimal("120.50"), origin=Origin.MANUAL), {"sale", "manual_update", "update"}),
        (changed(ANSWERED, notes="called back", origin=Origin.MANUAL), {"manual_update", "update"}),
        (changed(ANSWERED, talk_time=170), {"update"}),
        # a new call that is already over fires everything it already is
        (
            created(status="answered", completed=True, recording_url="https://rec.example/2.mp3"),
            {"start", "update", "answered", "end_immediate", "end", "end_delayed", "recording"},
        ),
    ],
    ids=[
        "created",
        "answered",
        "caller hung up",
        "voicemail",
        "completed",
        "recording",
        "sale by hand",
        "notes by hand",
        "talk time",
        "created complete",
    ],
)
def test_each_trigger_fires_when_its_field_becomes_what_it_watches(the_change, fires):
    assert call_triggers(the_change) == fires


def test_a_trigger_does_not_fire_again_for_a_call_that_already_was_so():
    already = a_call(status="answered", completed=True, voicemail=True, recording_url="https://r/1")
    again = changed(already, talk_time=99)
    assert call_triggers(again) == {"update"}


def test_history_fires_nothing():
    assert call_triggers(created(news=False, status="answered", completed=True)) == set()
    assert not call_change_fires(Rule("start"), created(news=False))
    message = Message(direction="inbound", provider="callrail")
    assert not activity_fires(Rule("inbound_text"), ActivityCreated("message", message, Origin.BACKFILL, False))


def test_a_bookkeeping_only_write_is_no_update():
    call = a_call()
    same = CallChange(call=call, before={**fields_of(call), "updated_at": "earlier"}, origin=Origin.SYNC, news=True)
    assert call_triggers(same) == set()


def test_sale_fires_when_the_value_changes_not_when_it_stays_or_is_cleared():
    sold = a_call(sale_value=Decimal("100.00"))
    assert "sale" in call_triggers(changed(sold, sale_value=Decimal("150.00")))
    assert "sale" not in call_triggers(changed(sold, sale_value=Decimal("100.00"), notes="x"))
    assert "sale" not in call_triggers(changed(sold, sale_value=None))


def test_keyword_fires_once_when_the_transcript_first_holds_a_configured_word():
    rule = Rule("keyword", keywords=["Appointment", "price"])
    plain = a_call(status="answered", transcript="Hello, I had a question.")
    assert call_change_fires(rule, changed(plain, transcript="I would like an appointment on Monday."))
    assert not call_change_fires(rule, changed(plain, transcript="Disappointment all round."))  # whole words
    said = a_call(status="answered", transcript="about the appointment")
    assert not call_change_fires(rule, changed(said, transcript="about the appointment, thanks"))  # not new
    assert call_change_fires(rule, changed(said, transcript="about the appointment and its price"))  # a new one
    assert call_change_fires(rule, changed(plain, keywords=["Price"]))  # the provider's spotted keywords


def test_manual_update_needs_a_person():
    assert not call_change_fires(Rule("manual_update"), changed(ANSWERED, notes="synced", origin=Origin.SYNC))
    assert call_change_fires(Rule("manual_update"), changed(ANSWERED, tags=["vip"], origin=Origin.MANUAL))


def test_texts_and_forms_fire_their_own_triggers():
    inbound = ActivityCreated("message", Message(direction="inbound", provider="callrail"), Origin.DELIVERY, True)
    outbound = ActivityCreated("message", Message(direction="outbound", provider="callrail"), Origin.DELIVERY, True)
    form = ActivityCreated("lead", Lead(provider="calltracker", source="Facebook"), Origin.DELIVERY, True)
    assert activity_fires(Rule("inbound_text"), inbound) and not activity_fires(Rule("inbound_text"), outbound)
    assert activity_fires(Rule("outbound_text"), outbound)
    assert activity_fires(Rule("form"), form) and not activity_fires(Rule("form"), inbound)
    assert not activity_fires(Rule("start"), inbound)


# --- filters ----------------------------------------------------------------------------------------

CALL = a_call(status="answered", talk_time=40, duration=90, tags=["VIP", "new"], direction="outbound")


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        ({}, True),
        ({"tracking_source": [], "tag": [], "min_talk_time": 0, "campaign_id": [], "provider": []}, True),
        ({"tracking_source": ["google ads", "Bing"]}, True),
        ({"tracking_source": ["Facebook"]}, False),
        ({"tracking_number": ["+15559876543"]}, True),
        ({"tracking_number": ["+15550000000"]}, False),
        ({"tag": ["vip"]}, True),
        ({"tag": ["spam"]}, False),
        ({"min_talk_time": 40}, True),
        ({"min_talk_time": 41}, False),
        ({"min_total_time": 90}, True),
        ({"min_total_time": 91}, False),
        ({"campaign_id": [str(CAMPAIGN)]}, True),
        ({"campaign_id": [str(uuid.uuid4())]}, False),
        ({"provider": ["calltrackingmetrics"]}, True),
        ({"provider": ["callrail"]}, False),
        ({"direction": "outbound"}, True),
        ({"direction": "inbound"}, False),
        ({"tracking_source": ["Google Ads"], "tag": ["VIP"], "min_talk_time": 30, "direction": "outbound"}, True),
        ({"tracking_source": ["Google Ads"], "tag": ["VIP"], "min_talk_time": 60}, False),  # all must match
    ],
)
def test_every_filter_given_must_match_and_omitted_ones_match_everything(filters, matches):
    assert filters_match(filters, CALL) is matches


def test_a_call_without_a_campaign_does_not_pass_a_campaign_filter():
    assert not filters_match({"campaign_id": [str(CAMPAIGN)]}, a_call(campaign_id=None))


def test_filters_a_text_or_a_form_cannot_have_are_not_applied_to_them():
    text = Message(direction="inbound", provider="callrail", tracking_number="+15559876543")
    assert filters_match({"min_talk_time": 30, "tag": ["vip"], "tracking_number": ["+15559876543"]}, text)
    assert not filters_match({"tracking_number": ["+15550000000"]}, text)
    form = Lead(provider="calltracker", source="Facebook")
    assert filters_match({"direction": "inbound", "tracking_source": ["facebook"]}, form)
    assert not filters_match({"tracking_source": ["Google Ads"]}, form)


def test_a_rule_fires_only_when_its_trigger_and_its_filters_both_match():
    answered = changed(RINGING, status="answered", talk_time=50)
    assert call_change_fires(Rule("answered", filters={"min_talk_time": 30}), answered)
    assert not call_change_fires(Rule("answered", filters={"min_talk_time": 60}), answered)
    assert not call_change_fires(Rule("end", filters={}), answered)
