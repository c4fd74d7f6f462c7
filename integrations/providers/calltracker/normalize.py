"""Call Tracker webhook deliveries -> normalized events (seed 003). Pure functions: payload in, events out.

A delivery is one event: `{"type": "call.received", "object": "call", "data": {...}, "timestamp": "...",
"webhook": {"id": 21, "target": "..."}}`. Call Tracker documents no signature and no delivery id.

- `call.received` (ringing), `call.finished` and `call.recording.available` carry the same call `data.id`,
  so they merge into one call downstream; `voicemail.received` names its call in `data.call_id`.
- `message.received` / `message.sent` are text messages, `tracker.created` / `tracker.updated` the tracker
  as it is now, `usage.created` a billing period's counters (one `UsageEvent` per counter).
- Any other `type` is an `IgnoredEvent`: stored and answered 200, because Call Tracker deactivates an endpoint
  that keeps refusing deliveries.

Times: Call Tracker writes ISO 8601, with `Z`, with an offset (`call.finished`'s `-05:00`) or, for the
envelope's `timestamp`, with none; the seeds show that a time without offset is UTC (the envelope of
`call.received` is stamped 0.3 s after the call's `...Z` time).
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from integrations.events import (
    CallDirection,
    CallEvent,
    CallEventKind,
    CallStatus,
    IgnoredEvent,
    MessageDirection,
    MessageEvent,
    NormalizedEvent,
    TrackerEvent,
    UsageEvent,
)
from integrations.plausible import UnusablePayload as UnusablePayload  # the one all normalizers raise
from integrations.plausible import (
    call_seconds,
    call_start,
    free_text,
    iso_moment,
    phone_number,
    provider_id,
    raw_object,
    url_text,
)
from integrations.untrusted import storable_text

PROVIDER = "calltracker"

CALL_EVENTS: dict[str, CallEventKind] = {
    "call.received": CallEventKind.RECEIVED,
    "call.finished": CallEventKind.COMPLETED,
    "call.recording.available": CallEventKind.UPDATED,
}
VOICEMAIL_EVENT = "voicemail.received"
MESSAGE_EVENTS: dict[str, MessageDirection] = {
    "message.received": MessageDirection.INBOUND,
    "message.sent": MessageDirection.OUTBOUND,
}
TRACKER_EVENTS = ("tracker.created", "tracker.updated")
USAGE_EVENT = "usage.created"
EVENTS: tuple[str, ...] = (*CALL_EVENTS, VOICEMAIL_EVENT, *MESSAGE_EVENTS, *TRACKER_EVENTS, USAGE_EVENT)

# `data.status` of a call -> our status. The seeds show "ringing" and "answered"; the rest are the words
# other providers use for the same outcomes (a documented guess), anything else is UNKNOWN.
STATUS_MAP: dict[str, CallStatus] = {
    "ringing": CallStatus.IN_PROGRESS,
    "in-progress": CallStatus.IN_PROGRESS,
    "in_progress": CallStatus.IN_PROGRESS,
    "answered": CallStatus.ANSWERED,
    "completed": CallStatus.ANSWERED,
    "missed": CallStatus.MISSED,
    "no-answer": CallStatus.MISSED,
    "no_answer": CallStatus.MISSED,
    "busy": CallStatus.MISSED,
    "voicemail": CallStatus.MISSED,
    "canceled": CallStatus.CANCELED,
    "cancelled": CallStatus.CANCELED,
    "abandoned": CallStatus.CANCELED,
    "failed": CallStatus.FAILED,
}

# `usage.created` counters -> their unit. Anything else in `data` stays in `raw`.
USAGE_COUNTERS: dict[str, str] = {
    "local_minutes": "minutes",
    "tollfree_minutes": "minutes",
    "local_numbers": "numbers",
    "tollfree_numbers": "numbers",
    "sms_messages": "messages",
}
MAX_USAGE_QUANTITY = 1e12  # beyond any account's month: a corrupt value

SOURCE_MAX_LENGTH = 200  # the call store's `source` column
EVENT_NAME_MAX_LENGTH = 64


def delivery_events(payload: Any, *, event: str = "") -> list[NormalizedEvent]:
    """A Call Tracker delivery (parsed by `json_parse`) -> its normalized events. The payload names its
    event (`type`); `event` is accepted for the common interface and not used."""
    if not isinstance(payload, dict):
        raise UnusablePayload("The body is not a JSON object.")
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise UnusablePayload("The delivery has no event type (`type`).")
    if kind not in EVENTS:
        return [IgnoredEvent(provider=PROVIDER, event=_event_name(kind), reason="A Call Tracker event we do not use.")]
    data = payload.get("data")
    if not isinstance(data, dict):
        raise UnusablePayload(f"The {kind} delivery has no `data` object.")
    if kind in CALL_EVENTS:
        return [_call_event(data, kind=CALL_EVENTS[kind])]
    if kind == VOICEMAIL_EVENT:
        return [_voicemail_event(data, envelope=payload)]
    if kind in MESSAGE_EVENTS:
        return [_message_event(data, direction=MESSAGE_EVENTS[kind], envelope=payload)]
    if kind in TRACKER_EVENTS:
        return [_tracker_event(data)]
    return _usage_events(data, envelope=payload)


def dedupe_key(payload: Any, body: bytes, *, event: str = "") -> str:
    """`type`, `data.id` and a hash of the body: an exact retry is a duplicate, a new event about the same
    call (received, then finished) is not. Never raises: every stored delivery gets a key."""
    kind = payload.get("type") if isinstance(payload, dict) else None
    data = payload.get("data") if isinstance(payload, dict) else None
    data_id = data.get("id") if isinstance(data, dict) else None
    parts = (_canonical(kind), _canonical(data_id), hashlib.sha256(body).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _call_event(data: dict[str, Any], *, kind: CallEventKind) -> CallEvent:
    """`call.received`, `call.finished` or `call.recording.available`: the call as Call Tracker has it now."""
    notes: list[str] = []
    status = STATUS_MAP.get(free_text(data.get("status"), field="status", notes=[]).strip().lower(), CallStatus.UNKNOWN)
    if kind is CallEventKind.RECEIVED and status is CallStatus.UNKNOWN:
        status = CallStatus.IN_PROGRESS  # "Triggers immediately when a new call is received"
    if kind is CallEventKind.COMPLETED and status is CallStatus.IN_PROGRESS:
        status = CallStatus.UNKNOWN  # a finished call is not ringing: the status is unreadable
    return CallEvent(
        provider=PROVIDER,
        provider_call_id=provider_id(data.get("id"), name="call id"),
        provider_account_id=provider_id(data.get("company_id"), name="company_id", required=False),
        kind=kind,
        started_at=_plausible(iso_moment(data.get("timestamp")), what="call"),
        status=status,
        direction=CallDirection.INBOUND,  # Call Tracker's call events are calls to a tracking number
        tracking_number=phone_number(data.get("tracking_number")),
        caller_number=phone_number(data.get("caller_number")),
        source=free_text(data.get("source_channel"), field="source", notes=notes, limit=SOURCE_MAX_LENGTH),
        duration=call_seconds(data.get("call_duration"), name="call_duration"),
        # Call Tracker sends no talk time. `recording_duration` is not one (no recording, no seconds): left 0.
        is_first_time_caller=data.get("is_first_time") is True,
        recording_url=url_text(data.get("recording"), field="recording_url", notes=notes),
        caller_name=free_text(data.get("caller_name"), field="caller_name", notes=notes),
        caller_location=_location(data, notes=notes),
        attribution=_attribution(data, notes=notes),
        raw=raw_object(data, notes=notes),
        notes=tuple(notes),
    )


def _voicemail_event(data: dict[str, Any], *, envelope: dict[str, Any]) -> CallEvent:
    """`voicemail.received`: the voicemail (its recording and transcription) of call `data.call_id`.

    The voicemail names no call time, so `started_at` is the delivery's `timestamp` (UTC): a time just
    after the call ended, right only for a voicemail that arrives before its call. The store keeps a known
    call's start and fills only what this event says: voicemail, transcript, recording. Its `status` is
    UNKNOWN: the voicemail itself does not say how the call ended.
    """
    notes: list[str] = []
    return CallEvent(
        provider=PROVIDER,
        provider_call_id=provider_id(data.get("call_id"), name="voicemail's call_id"),
        provider_account_id=provider_id(data.get("company_id"), name="company_id", required=False),
        kind=CallEventKind.UPDATED,
        started_at=_plausible(iso_moment(envelope.get("timestamp")), what="voicemail"),
        direction=CallDirection.INBOUND,
        tracking_number=phone_number(data.get("tracking_number")),
        caller_number=phone_number(data.get("caller_number")),
        recording_url=url_text(data.get("recording"), field="recording_url", notes=notes),
        voicemail=True,
        transcript=free_text(data.get("transcription"), field="transcript", notes=notes),
        raw=raw_object(data, notes=notes),
        notes=tuple(notes),
    )


def _message_event(data: dict[str, Any], *, direction: MessageDirection, envelope: dict[str, Any]) -> MessageEvent:
    """`message.received` / `message.sent`. The event type decides the direction (`data.direction` says
    "incoming"/"outgoing" too); our tracking number is the one that received, or sent, the text."""
    from_number, to_number = phone_number(data.get("from_number")), phone_number(data.get("to_number"))
    sent_at = iso_moment(data.get("timestamp")) or iso_moment(envelope.get("timestamp"))
    return MessageEvent(
        provider=PROVIDER,
        provider_message_id=provider_id(data.get("id"), name="message id"),
        provider_account_id=provider_id(data.get("company_id"), name="company_id", required=False),
        direction=direction,
        sent_at=_plausible(sent_at, what="message"),
        from_number=from_number,
        to_number=to_number,
        body=free_text(data.get("body"), field="body", notes=[]),
        tracking_number=to_number if direction is MessageDirection.INBOUND else from_number,
        raw=raw_object(data, notes=[]),
    )


def _tracker_event(data: dict[str, Any]) -> TrackerEvent:
    """`tracker.created` / `tracker.updated`: the tracker as it is now. A number whose `status` is false
    no longer tracks calls and is left out; the tracker is active unless its `status` is false."""
    numbers: list[str] = []
    phone_numbers = data.get("phone_numbers")
    for entry in phone_numbers if isinstance(phone_numbers, list) else []:
        if isinstance(entry, dict) and entry.get("status") is not False:
            number = phone_number(entry.get("number"))
            if number and number not in numbers:
                numbers.append(number)
    return TrackerEvent(
        provider=PROVIDER,
        provider_tracker_id=provider_id(data.get("id"), name="tracker id"),
        provider_account_id=provider_id(data.get("company_id"), name="company_id", required=False),
        name=free_text(data.get("name"), field="name", notes=[]),
        tracking_numbers=tuple(numbers),
        source=free_text(data.get("campaign_source"), field="source", notes=[], limit=SOURCE_MAX_LENGTH),
        active=data.get("status") is not False,
        raw=raw_object(data, notes=[]),
    )


def _usage_events(data: dict[str, Any], *, envelope: dict[str, Any]) -> list[NormalizedEvent]:
    """`usage.created`: one `UsageEvent` per counter of the period (`start_date`..`end_date`, in `raw`),
    with id `<usage id>:<counter>` so each counter is stored once."""
    usage_id = provider_id(data.get("id"), name="usage id")
    account_id = provider_id(data.get("company_id"), name="company_id", required=False)
    occurred_at = _plausible(iso_moment(data.get("timestamp")) or iso_moment(envelope.get("timestamp")), what="usage")
    raw = raw_object(data, notes=[])
    events: list[NormalizedEvent] = []
    for counter, unit in USAGE_COUNTERS.items():
        if data.get(counter) is None:
            continue
        events.append(
            UsageEvent(
                provider=PROVIDER,
                provider_usage_id=provider_id(f"{usage_id}:{counter}", name="usage id"),
                provider_account_id=account_id,
                occurred_at=occurred_at,
                kind=counter,
                quantity=_quantity(data[counter], name=counter),
                unit=unit,
                raw=raw,
            )
        )
    if not events:
        return [IgnoredEvent(provider=PROVIDER, event=USAGE_EVENT, reason="The usage names no counter we know.")]
    return events


def _location(data: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    fields = {"city": "caller_city", "state": "caller_state", "postal_code": "caller_zip", "country": "caller_country"}
    location = {
        key: free_text(data.get(name), field=f"caller_location.{key}", notes=notes) for key, name in fields.items()
    }
    return {key: value for key, value in location.items() if value}


def _attribution(data: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    fields = {
        "referrer": "source_referrer",
        "landing_page": "landing_page",
        "keyword": "source_keyword",
        "gclid": "gclid",
    }
    attribution = {
        key: free_text(data.get(name), field=f"attribution.{key}", notes=notes) for key, name in fields.items()
    }
    return {key: value for key, value in attribution.items() if value}


# --- Values made safe: the same rules as integrations/providers/ctm/normalize.py ---------------------------


def _quantity(value: Any, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnusablePayload(f"The usage's {name} must be a number.")
    if not 0 <= value <= MAX_USAGE_QUANTITY:
        raise UnusablePayload(f"The usage's {name} must be between 0 and {MAX_USAGE_QUANTITY:.0e}.")
    return float(value)


def _plausible(moment: datetime | None, *, what: str) -> datetime:
    """`moment`, if it is a plausible time for a call: between 1990 and now (with some clock skew)."""
    if moment is None:
        raise UnusablePayload(f"The {what} has no readable time (`timestamp`).")
    return call_start(moment)


def _event_name(value: Any) -> str:
    return storable_text(value if isinstance(value, str) else "")[:EVENT_NAME_MAX_LENGTH]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
