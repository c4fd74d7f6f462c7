"""CTM call data (API activity objects and webhook bodies) -> `CallEvent`s. Pure functions."""

from datetime import UTC, datetime
from typing import Any

from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.models import Provider
from integrations.phone_numbers import to_e164

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


class UnusableCallPayload(ValueError):
    """The payload is JSON but not a call we can store (no id, no time)."""


def _seconds(value: Any) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return 0


def _number(value: Any) -> str:
    if not value:
        return ""
    try:
        return to_e164(str(value))
    except ValueError:
        return ""


def started_at(call: dict[str, Any]) -> datetime:
    """CTM's `unix_time` (epoch seconds), else `called_at` ('2013-05-01 11:48 PM -04:00'), else ISO `start_time`."""
    if call.get("unix_time") not in (None, ""):
        try:
            return datetime.fromtimestamp(int(float(call["unix_time"])), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    called_at = call.get("called_at")
    if called_at:
        for fmt in ("%Y-%m-%d %I:%M %p %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"):
            try:
                return datetime.strptime(str(called_at), fmt).astimezone(UTC)
            except ValueError:
                continue
    for name in ("start_time", "called_at", "created_at"):
        value = call.get(name)
        if value:
            try:
                parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                continue
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    raise UnusableCallPayload("The call has no start time (unix_time, called_at or start_time).")


def status_of(call: dict[str, Any], *, kind: CallEventKind) -> CallStatus:
    raw = str(call.get("dial_status") or call.get("call_status") or call.get("status") or "").strip().lower()
    status = STATUS_MAP.get(raw, CallStatus.UNKNOWN)
    if status is CallStatus.UNKNOWN and kind is CallEventKind.RECEIVED:
        return CallStatus.IN_PROGRESS
    return status


def call_event(call: dict[str, Any], *, kind: CallEventKind, account_id: str = "") -> CallEvent:
    """One CTM activity object as a `CallEvent`."""
    call_id = call.get("id") or call.get("sid")
    if call_id in (None, ""):
        raise UnusableCallPayload("The call has no id.")
    source = call.get("source")
    if isinstance(source, dict):
        source = source.get("name")
    return CallEvent(
        provider=Provider.CTM.value,
        provider_call_id=str(call_id),
        provider_account_id=str(call.get("account_id") or account_id or ""),
        kind=kind,
        started_at=started_at(call),
        status=status_of(call, kind=kind),
        direction=DIRECTION_MAP.get(str(call.get("direction", "")).lower(), CallDirection.UNKNOWN),
        tracking_number=_number(call.get("tracking_number")),
        caller_number=_number(call.get("caller_number_complete") or call.get("caller_number")),
        source=str(source or "")[:200],
        duration=_seconds(call.get("duration")),
        talk_time=_seconds(call.get("talk_time")),
        is_first_time_caller=bool(call.get("is_new_caller") or call.get("first_time_caller")),
        recording_url=str(call.get("audio") or call.get("recording_url") or "")[:1000],
        raw=call,
    )


# Our webhook events -> CTM webhook `position` (trigger timing). CTM documents no full list; these
# are the values its own gem and public receivers use ("end_immediate": ended, audio not ready).
EVENT_POSITIONS: dict[CallEventKind, str] = {
    CallEventKind.RECEIVED: "start",
    CallEventKind.UPDATED: "end_immediate",
    CallEventKind.COMPLETED: "end",
}
WEBHOOK_EVENTS = tuple(EVENT_POSITIONS)


def unwrap_delivery(payload: Any, *, event_hint: str = "") -> tuple[dict[str, Any], CallEventKind]:
    """A webhook body -> (the call object, its event). Accepts CTM's real format (the activity at the
    top level) and the envelope `{"event": "call.completed", "call": {...}}`."""
    if not isinstance(payload, dict):
        raise UnusableCallPayload("The body is not a JSON object.")
    call: Any = payload
    event_name = event_hint
    if isinstance(payload.get("call"), dict):
        call, event_name = payload["call"], str(payload.get("event") or event_hint)
    try:
        kind = CallEventKind(event_name)
    except ValueError:
        kind = None
    if kind is None or kind is CallEventKind.SYNCED:
        # No (usable) event named: a call still ringing is a start, anything else an end.
        in_progress = status_of(call, kind=CallEventKind.COMPLETED) is CallStatus.IN_PROGRESS
        kind = CallEventKind.RECEIVED if in_progress else CallEventKind.COMPLETED
    return call, kind


def delivery_events(body: bytes, *, event_hint: str = "") -> list[CallEvent]:
    """A stored, validated CTM delivery -> its call events."""
    import json

    call, kind = unwrap_delivery(json.loads(body), event_hint=event_hint)
    return [call_event(call, kind=kind)]
