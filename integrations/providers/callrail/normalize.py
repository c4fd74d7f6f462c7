"""CallRail webhook deliveries -> normalized events. Pure functions: payload in, events out.

CallRail's body does not name its event: a company configures one URL per event type, so our endpoint
gives each event its own URL (`...?event=post_call`) and the receiver passes that `event` here.

- Calls (the body is CallRail's call object): `pre_call` (ringing: in progress, whatever `answered` and
  `call_type` say before the call is connected), `call_routing_complete` (still in progress, with the
  business number), `post_call` / `outbound_post_call` (completed), `call_modified` /
  `outbound_call_modified` (later edits: tags, notes, value, a late recording).
- `text_message_received` / `text_message_sent` -> `MessageEvent`; `form_submission` -> `LeadEvent`.
- Any other event (CallRail's newer "Convert Assist complete", a typo in a URL) -> `IgnoredEvent`.

Ids: the string `resource_id` (`CAL` + 32 characters), else the legacy numeric `id`. `duration` arrives
as a string. Times are ISO 8601 with an offset (`start_time`, `timestamp`, `submitted_at`); a time without
one (the legacy `datetime`, "2018-02-19 18:41:00") is UTC, as the vendor's sample shows
(`start_time` 13:41:00-05:00 = `datetime` 18:41:00).
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
    LeadEvent,
    MessageDirection,
    MessageEvent,
    NormalizedEvent,
)
from integrations.plausible import UnusablePayload as UnusablePayload  # the one all normalizers raise
from integrations.plausible import (
    call_seconds,
    call_start,
    first_of,
    free_text,
    iso_moment,
    phone_number,
    provider_id,
    raw_object,
    url_text,
)
from integrations.untrusted import storable_json, storable_text

PROVIDER = "callrail"

# Our event names (the `?event=` of each URL) -> (kind, forced status or None, direction when the call has none).
CALL_EVENTS: dict[str, tuple[CallEventKind, CallStatus | None, CallDirection]] = {
    "pre_call": (CallEventKind.RECEIVED, CallStatus.IN_PROGRESS, CallDirection.INBOUND),
    "call_routing_complete": (CallEventKind.UPDATED, CallStatus.IN_PROGRESS, CallDirection.INBOUND),
    "post_call": (CallEventKind.COMPLETED, None, CallDirection.INBOUND),
    # A modification is the whole call as CallRail now has it: final data, newer (it must apply).
    "call_modified": (CallEventKind.COMPLETED, None, CallDirection.INBOUND),
    "outbound_post_call": (CallEventKind.COMPLETED, None, CallDirection.OUTBOUND),
    "outbound_call_modified": (CallEventKind.COMPLETED, None, CallDirection.OUTBOUND),
}
MESSAGE_EVENTS: dict[str, MessageDirection] = {
    "text_message_received": MessageDirection.INBOUND,
    "text_message_sent": MessageDirection.OUTBOUND,
}
FORM_EVENT = "form_submission"
EVENTS: tuple[str, ...] = (*CALL_EVENTS, *MESSAGE_EVENTS, FORM_EVENT)

# `call_type` -> our status; other types ("outbound", none) fall back to the `answered` flag.
CALL_TYPE_STATUS: dict[str, CallStatus] = {
    "answered": CallStatus.ANSWERED,
    "missed": CallStatus.MISSED,
    "voicemail": CallStatus.MISSED,
    "voicemail_transcription": CallStatus.MISSED,
    "abandoned": CallStatus.CANCELED,
    "blocked": CallStatus.FAILED,
}
VOICEMAIL_CALL_TYPES = ("voicemail", "voicemail_transcription")
DIRECTION_MAP: dict[str, CallDirection] = {"inbound": CallDirection.INBOUND, "outbound": CallDirection.OUTBOUND}

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
SCORING_KEYS = ("lead_status", "value", "score", "auto_score", "manual_score")

SOURCE_MAX_LENGTH = 200  # the call store's `source` column
EVENT_NAME_MAX_LENGTH = 64


def delivery_events(payload: Any, *, event: str = "") -> list[NormalizedEvent]:
    """A CallRail delivery (parsed by `json_parse`) to the URL of `event` -> its one normalized event."""
    if event not in EVENTS:
        name = storable_text(event if isinstance(event, str) else "")[:EVENT_NAME_MAX_LENGTH]
        reason = "A CallRail event we do not use." if name else "The URL names no CallRail event."
        return [IgnoredEvent(provider=PROVIDER, event=name, reason=reason)]
    if not isinstance(payload, dict):
        raise UnusablePayload("The body is not a JSON object.")
    if event in CALL_EVENTS:
        return [call_event(payload, event=event)]
    if event in MESSAGE_EVENTS:
        return [message_event(payload, direction=MESSAGE_EVENTS[event])]
    return [lead_event(payload)]


def dedupe_key(payload: Any, body: bytes, *, event: str = "") -> str:
    """The resource id, the event and a hash of the body: an exact retry is a duplicate, while
    `call_modified` repeats with the same id and new content and applies. Never raises."""
    resource_id = first_of(payload, ("resource_id", "id")) if isinstance(payload, dict) else None
    parts = (json.dumps(resource_id, sort_keys=True), json.dumps(event), hashlib.sha256(body).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def call_event(call: dict[str, Any], *, event: str) -> CallEvent:
    """One of the six call events: CallRail's call object as it is at that moment."""
    kind, forced_status, default_direction = CALL_EVENTS[event]
    notes: list[str] = []
    call_type = free_text(call.get("call_type"), field="call_type", notes=[]).strip().lower()
    return CallEvent(
        provider=PROVIDER,
        provider_call_id=provider_id(first_of(call, ("resource_id", "id")), name="call resource_id"),
        provider_account_id=provider_id(
            first_of(call, ("company_resource_id", "company_id")), name="company", required=False
        ),
        kind=kind,
        started_at=_plausible(_moment_of(call, ("start_time", "created_at", "datetime")), what="call"),
        status=forced_status or _status(call_type, call.get("answered")),
        direction=DIRECTION_MAP.get(str(call.get("direction") or "").lower(), default_direction),
        tracking_number=phone_number(first_of(call, ("tracking_phone_number", "trackingnum"))),
        caller_number=phone_number(first_of(call, ("customer_phone_number", "callernum"))),
        source=free_text(
            first_of(call, ("source_name", "source")), field="source", notes=notes, limit=SOURCE_MAX_LENGTH
        ),
        duration=call_seconds(call.get("duration"), name="duration"),
        is_first_time_caller=call.get("first_call") is True,
        recording_url=url_text(call.get("recording"), field="recording_url", notes=notes),
        caller_name=free_text(first_of(call, ("customer_name", "callername")), field="caller_name", notes=notes),
        caller_location=_location(call, notes=notes),
        transcript=free_text(_transcript(call), field="transcript", notes=notes),
        voicemail=call.get("voicemail") is True or call_type in VOICEMAIL_CALL_TYPES,
        keywords=_keywords(call.get("keywords_spotted"), notes=notes),
        scoring={key: storable_json(call[key]) for key in SCORING_KEYS if call.get(key) not in (None, "")},
        attribution=_attribution(call, notes=notes),
        raw=raw_object(call, notes=notes),
        notes=tuple(notes),
    )


def message_event(message: dict[str, Any], *, direction: MessageDirection) -> MessageEvent:
    """A text message: `source_number` sent it to `destination_number`; our tracking number is the
    destination of a received message and the source of a sent one."""
    from_number, to_number = phone_number(message.get("source_number")), phone_number(message.get("destination_number"))
    return MessageEvent(
        provider=PROVIDER,
        provider_message_id=provider_id(first_of(message, ("resource_id", "id")), name="message resource_id"),
        provider_account_id=provider_id(
            first_of(message, ("company_resource_id", "company_id")), name="company", required=False
        ),
        direction=direction,
        sent_at=_plausible(_moment_of(message, ("timestamp", "created_at")), what="text message"),
        from_number=from_number,
        to_number=to_number,
        body=free_text(message.get("content"), field="body", notes=[]),
        tracking_number=to_number if direction is MessageDirection.INBOUND else from_number,
        raw=raw_object(message, notes=[]),
    )


def lead_event(form: dict[str, Any]) -> LeadEvent:
    """A form submission. Name, email and phone come from CallRail's `customer_*` fields, else from the
    form's own fields (`form_data`, matched by their usual names)."""
    form_data = form.get("form_data") if isinstance(form.get("form_data"), dict) else {}
    return LeadEvent(
        provider=PROVIDER,
        provider_lead_id=provider_id(first_of(form, ("resource_id", "id")), name="form submission id"),
        provider_account_id=provider_id(
            first_of(form, ("company_resource_id", "company_id")), name="company", required=False
        ),
        submitted_at=_plausible(_moment_of(form, ("submitted_at", "created_at")), what="form submission"),
        name=free_text(
            form.get("customer_name") or _form_field(form_data, ("name", "full_name")), field="name", notes=[]
        ),
        email=free_text(
            form.get("customer_email") or _form_field(form_data, ("email", "email_address")), field="email", notes=[]
        ),
        phone_number=phone_number(
            form.get("customer_phone_number") or _form_field(form_data, ("phone", "phone_number"))
        ),
        form_name=free_text(form.get("form_name"), field="form_name", notes=[]),
        fields=storable_json(form_data),
        source=free_text(form.get("source"), field="source", notes=[], limit=SOURCE_MAX_LENGTH),
        attribution=_attribution(form, notes=[]),
        raw=raw_object(form, notes=[]),
    )


def _status(call_type: str, answered: Any) -> CallStatus:
    if call_type in CALL_TYPE_STATUS:
        return CALL_TYPE_STATUS[call_type]
    if answered is True:
        return CallStatus.ANSWERED
    if answered is False:
        return CallStatus.MISSED
    return CallStatus.UNKNOWN


def _transcript(call: dict[str, Any]) -> Any:
    for key in ("transcription", "conversational_transcript"):
        if isinstance(call.get(key), str) and call[key]:
            return call[key]
    return ""


def _keywords(value: Any, *, notes: list[str]) -> tuple[str, ...]:
    """`keywords_spotted`: a comma-separated string, or a list of strings or `{"keyword"|"name": ...}`."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = [item.get("keyword") or item.get("name") if isinstance(item, dict) else item for item in value]
    else:
        items = []
    found: list[str] = []
    for item in items:
        text = free_text(item, field="keywords", notes=notes).strip()
        if text and text not in found:
            found.append(text)
    return tuple(found)


def _location(call: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    fields = {
        "city": ("customer_city", "callercity"),
        "state": ("customer_state", "callerstate"),
        "country": ("customer_country", "callercountry"),
    }
    location = {
        key: free_text(first_of(call, names), field=f"caller_location.{key}", notes=notes)
        for key, names in fields.items()
    }
    return {key: value for key, value in location.items() if value}


def _attribution(data: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    values = {key: data.get(key) for key in UTM_KEYS} | {
        "gclid": data.get("gclid"),
        "referrer": first_of(data, ("referring_url", "referrer", "referrer_domain")),
        "landing_page": first_of(data, ("landing_page_url", "landingpage")),
        "keyword": data.get("keywords"),  # the visitor's search keywords (paid sources)
    }
    attribution = {key: free_text(value, field=f"attribution.{key}", notes=notes) for key, value in values.items()}
    return {key: value for key, value in attribution.items() if value}


def _form_field(form_data: dict[str, Any], names: tuple[str, ...]) -> Any:
    by_name = {str(key).strip().lower(): value for key, value in form_data.items()}
    return next((by_name[name] for name in names if by_name.get(name) not in (None, "")), None)


# --- Values made safe: the same rules as integrations/providers/ctm/normalize.py ---------------------------


def _moment_of(data: dict[str, Any], keys: tuple[str, ...]) -> datetime | None:
    """The first of `keys` that holds a readable time."""
    return next((moment for moment in (iso_moment(data.get(key)) for key in keys) if moment is not None), None)


def _plausible(moment: datetime | None, *, what: str) -> datetime:
    """`moment`, if it is a plausible time for a call: between 1990 and now (with some clock skew)."""
    if moment is None:
        raise UnusablePayload(f"The {what} has no readable time.")
    return call_start(moment)
