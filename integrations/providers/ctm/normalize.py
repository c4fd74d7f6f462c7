"""CTM call data (API activity objects and webhook bodies) -> `CallEvent`s. Pure functions."""

from datetime import UTC, datetime
from typing import Any

from integrations.events import (
    CallDirection,
    CallEvent,
    CallEventKind,
    CallStatus,
    IgnoredEvent,
    NormalizedEvent,
)
from integrations.models import Call
from integrations.phone_numbers import to_e164
from integrations.plausible import UnusablePayload, call_seconds, call_start, provider_id
from integrations.untrusted import json_parse, storable_json, storable_text

SLUG = "calltrackingmetrics"  # CTM in the registry, in URLs and on every stored row

# CTM's dial_status / call_status values (and the seed envelope's `status`) -> our status.
STATUS_MAP: dict[str, CallStatus] = {
    "answered": CallStatus.ANSWERED,
    "completed": CallStatus.ANSWERED,
    "no-answer": CallStatus.MISSED,
    "no_answer": CallStatus.MISSED,
    "noanswer": CallStatus.MISSED,
    "missed": CallStatus.MISSED,
    "busy": CallStatus.MISSED,
    "voicemail": CallStatus.MISSED,
    "canceled": CallStatus.CANCELED,
    "cancelled": CallStatus.CANCELED,
    "hangup": CallStatus.CANCELED,
    "failed": CallStatus.FAILED,
    "error": CallStatus.FAILED,
    "ringing": CallStatus.IN_PROGRESS,
    "in-progress": CallStatus.IN_PROGRESS,
    "in_progress": CallStatus.IN_PROGRESS,
    "queued": CallStatus.IN_PROGRESS,
    "initiated": CallStatus.IN_PROGRESS,
}

DIRECTION_MAP: dict[str, CallDirection] = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
}

# What our status filter asks CTM for (its dial_status values).
CTM_DIAL_STATUSES: dict[str, list[str]] = {
    "answered": ["answered", "completed"],
    "missed": ["no-answer", "busy"],
    "canceled": ["canceled"],
    "failed": ["failed"],
    "in_progress": ["ringing", "in-progress"],
}


# The payload is JSON but not a call we can store (no id, no time, an id or number we cannot keep).
UnusableCallPayload = UnusablePayload


def _fitted(value: Any, *, field: str, notes: list[str]) -> str:
    """Free text made storable and cut to its column, with a note when anything was changed."""
    if value is None:
        return ""
    text = storable_text(value if isinstance(value, str) else str(value))
    if len(text) != len(str(value)):
        notes.append(f"{field}: characters a database cannot store were removed")
    limit = Call._meta.get_field(field).max_length
    if len(text) > limit:
        notes.append(f"{field}: cut from {len(text)} to {limit} characters")
        text = text[:limit]
    return text


def _number(value: Any) -> str:
    if not value:
        return ""
    try:
        return to_e164(str(value))
    except ValueError:
        return ""


def started_at(call: dict[str, Any]) -> datetime:
    """When the call started, between 1990 and (with some clock skew) now; see `_started_at`."""
    return call_start(_started_at(call))


def _started_at(call: dict[str, Any]) -> datetime:
    """CTM's `unix_time` (epoch seconds), else `called_at` ('2013-05-01 11:48 PM -04:00'), else ISO `start_time`."""
    if call.get("unix_time") not in (None, "") and not isinstance(call["unix_time"], bool):
        try:
            return datetime.fromtimestamp(int(float(call["unix_time"])), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    called_at = call.get("called_at")
    if called_at:
        for fmt in ("%Y-%m-%d %I:%M %p %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"):
            try:
                return datetime.strptime(str(called_at), fmt).astimezone(UTC)
            except (ValueError, OverflowError):
                continue
    for name in ("start_time", "called_at", "created_at"):
        value = call.get(name)
        if value:
            try:
                parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
                return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
            except (ValueError, OverflowError):
                continue
    raise UnusableCallPayload("The call has no start time (unix_time, called_at or start_time).")


def status_of(call: dict[str, Any], *, kind: CallEventKind) -> CallStatus:
    raw = str(call.get("dial_status") or call.get("call_status") or call.get("status") or "").strip().lower()
    status = STATUS_MAP.get(raw, CallStatus.UNKNOWN)
    if status is CallStatus.UNKNOWN and kind is CallEventKind.RECEIVED:
        return CallStatus.IN_PROGRESS
    return status


def call_event(call: dict[str, Any], *, kind: CallEventKind, account_id: str = "") -> CallEvent:
    """One CTM activity object as a `CallEvent`; `UnusableCallPayload` if it cannot be stored faithfully."""
    notes: list[str] = []
    call_id = provider_id(call.get("id") or call.get("sid"), name="id", required=True)
    call_account_id = provider_id(call.get("account_id"), name="account_id", required=False)
    source = call.get("source")
    if isinstance(source, dict):
        source = source.get("name")
    recording_url = _fitted(call.get("audio") or call.get("recording_url") or "", field="recording_url", notes=[])
    if len(recording_url) >= Call._meta.get_field("recording_url").max_length:
        notes.append("recording_url: longer than 1000 characters, not kept (a cut URL is a broken one)")
        recording_url = ""
    raw = storable_json(call)
    if raw != call:
        notes.append("raw: characters a database cannot store were removed")
    return CallEvent(
        provider=SLUG,
        provider_call_id=call_id,
        provider_account_id=call_account_id or account_id,
        kind=kind,
        started_at=started_at(call),
        status=status_of(call, kind=kind),
        direction=DIRECTION_MAP.get(str(call.get("direction", "")).lower(), CallDirection.UNKNOWN),
        tracking_number=_number(call.get("tracking_number")),
        caller_number=_number(call.get("caller_number_complete") or call.get("caller_number")),
        source=_fitted(source or "", field="source", notes=notes),
        duration=call_seconds(call.get("duration"), name="duration"),
        talk_time=call_seconds(call.get("talk_time"), name="talk_time"),
        is_first_time_caller=bool(call.get("is_new_caller") or call.get("first_time_caller")),
        recording_url=recording_url,
        raw=raw,
        notes=tuple(notes),
    )


# Our webhook events -> CTM webhook `position` (trigger timing). CTM documents no full list; these
# are the values its own gem and public receivers use ("end_immediate": ended, audio not ready).
EVENT_POSITIONS: dict[CallEventKind, str] = {
    CallEventKind.RECEIVED: "start",
    CallEventKind.UPDATED: "end_immediate",
    CallEventKind.COMPLETED: "end",
}
WEBHOOK_EVENTS = tuple(EVENT_POSITIONS)
EVENT_NAME_MAX_LENGTH = 64  # of an event we ignore, as we note it


def named_event(payload: Any, *, event_hint: str = "") -> str:
    """The event a delivery names: the envelope's `event`, else the URL's `?event=`; "" when neither does."""
    if isinstance(payload, dict) and isinstance(payload.get("call"), dict):
        return str(payload.get("event") or event_hint)
    return event_hint


def unwrap_delivery(payload: Any, *, event_hint: str = "") -> tuple[dict[str, Any], CallEventKind | None]:
    """A webhook body -> (the call object, its event). Accepts CTM's real format (the activity at the
    top level) and the envelope `{"event": "call.completed", "call": {...}}`, whose CTM account id
    may be at the top level as well as inside `call` (the call's own wins).

    An event named (by the envelope or the URL) that is not a call event, such as a text message sent to
    a URL registered by hand, is `None`: acknowledged and ignored, never read as a call. With no event
    named (CTM's own format), a call still ringing is a start and anything else an end."""
    if not isinstance(payload, dict):
        raise UnusableCallPayload("The body is not a JSON object.")
    call: Any = payload
    if isinstance(payload.get("call"), dict):
        call = payload["call"]
        if call.get("account_id") in (None, "") and payload.get("account_id") not in (None, ""):
            call = {**call, "account_id": payload["account_id"]}
    event_name = named_event(payload, event_hint=event_hint)
    try:
        kind = CallEventKind(event_name)
    except ValueError:
        if event_name:
            return call, None
        kind = None
    if kind is None or kind is CallEventKind.SYNCED:
        # No (usable) event named: a call still ringing is a start, anything else an end.
        in_progress = status_of(call, kind=CallEventKind.COMPLETED) is CallStatus.IN_PROGRESS
        kind = CallEventKind.RECEIVED if in_progress else CallEventKind.COMPLETED
    return call, kind


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list[NormalizedEvent]:
    """A stored, validated CTM delivery -> its call events (parsed exactly as the receiver parsed it)."""
    payload = json_parse(body)
    call, kind = unwrap_delivery(payload, event_hint=event_hint)
    if kind is None:
        name = storable_text(named_event(payload, event_hint=event_hint))[:EVENT_NAME_MAX_LENGTH]
        return [IgnoredEvent(provider=SLUG, event=name, reason="A CTM event we do not use.")]
    return [call_event(call, kind=kind)]
