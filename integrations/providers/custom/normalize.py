"""A mapped custom source: any app posts its own JSON, and the endpoint's field map says where our
call fields are in it (dotted paths: `{"caller_number": "contact.primary_phone", "started_at":
"created"}`). Pure functions: the field map is checked when it is saved, then applied to deliveries.
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus
from integrations.phone_numbers import to_e164
from integrations.plausible import UnusablePayload, call_seconds, call_start, provider_id
from integrations.untrusted import json_parse, storable_json, storable_text

SLUG = "custom"
PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,9}$")
REQUIRED = ("started_at", "caller_number")
TEXT_LIMITS = {"source": 200, "caller_name": 200, "transcript": 20_000, "recording_url": 1000}
TARGETS = (
    "id",
    "started_at",
    "caller_number",
    "tracking_number",
    "duration",
    "talk_time",
    "status",
    "direction",
    "source",
    "caller_name",
    "recording_url",
    "transcript",
)
STATUS_WORDS: dict[str, CallStatus] = {
    "answered": CallStatus.ANSWERED,
    "completed": CallStatus.ANSWERED,
    "missed": CallStatus.MISSED,
    "no-answer": CallStatus.MISSED,
    "no_answer": CallStatus.MISSED,
    "busy": CallStatus.MISSED,
    "voicemail": CallStatus.MISSED,
    "canceled": CallStatus.CANCELED,
    "cancelled": CallStatus.CANCELED,
    "failed": CallStatus.FAILED,
    "ringing": CallStatus.IN_PROGRESS,
    "in_progress": CallStatus.IN_PROGRESS,
    "in-progress": CallStatus.IN_PROGRESS,
}
DIRECTIONS = {"inbound": CallDirection.INBOUND, "outbound": CallDirection.OUTBOUND}


def field_map_clean(value: Any) -> dict[str, str]:
    """The field map as saved: our field -> a dotted path into the payload. ValidationError if not."""
    if not isinstance(value, dict) or not value:
        raise ValidationError('A field map is an object of our field -> dotted path, e.g. {"started_at": "created"}.')
    unknown = sorted(set(value) - set(TARGETS))
    if unknown:
        raise ValidationError(f"Unknown fields {', '.join(unknown)}: map any of {', '.join(TARGETS)}.")
    missing = [name for name in REQUIRED if name not in value]
    if missing:
        raise ValidationError(f"A call needs {', '.join(missing)} mapped.")
    bad = sorted(name for name, path in value.items() if not isinstance(path, str) or not PATH.match(path))
    if bad:
        raise ValidationError(f"Not a dotted path (letters, digits, _ or -, joined by dots): {', '.join(bad)}.")
    return dict(value)


def resolve(payload: Any, path: str) -> Any:
    """The value at a dotted path (`a.b.0.c`: list positions by number); None where nothing is."""
    value = payload
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _moment(value: Any) -> datetime:
    """ISO 8601 (a bare one is UTC) or epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return call_start(datetime.fromtimestamp(value, tz=UTC))
        except (OverflowError, OSError, ValueError):
            raise UnusablePayload("The start time is not a plausible time for a call.") from None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return call_start((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC))
        except (ValueError, OverflowError):
            pass
    raise UnusablePayload("The start time must be ISO 8601 or epoch seconds.")


def _number(value: Any) -> str:
    try:
        return to_e164(str(value)) if value not in (None, "") else ""
    except ValueError:
        return ""


def _text(value: Any, *, field: str, notes: list[str]) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    text = storable_text(str(value))
    if len(text) > TEXT_LIMITS[field]:
        notes.append(f"{field}: cut from {len(text)} to {TEXT_LIMITS[field]} characters")
        text = text[: TEXT_LIMITS[field]]
    return text


def call_event(payload: Any, *, field_map: dict[str, str], source_id: str) -> CallEvent:
    """One posted call as a `CallEvent`. Without a mapped id, the call's id is a hash of its caller,
    tracking number and start: the same call posted again is the same call."""
    if not isinstance(payload, dict):
        raise UnusablePayload("The body is not a JSON object.")
    get = {name: resolve(payload, path) for name, path in field_map.items()}
    started_at = _moment(get.get("started_at"))
    caller = _number(get.get("caller_number"))
    if not caller:
        raise UnusablePayload("The caller number is missing or not a phone number.")
    tracking = _number(get.get("tracking_number"))
    call_id = provider_id(get.get("id"), name="id", required=False)
    if not call_id:
        digest = hashlib.sha256(f"{caller}|{tracking}|{started_at.isoformat()}".encode()).hexdigest()
        call_id = f"h:{digest[:40]}"
    notes: list[str] = []
    status_word = str(get.get("status") or "").strip().lower()
    duration = call_seconds(get.get("duration"), name="duration")
    status = STATUS_WORDS.get(status_word, CallStatus.ANSWERED if duration else CallStatus.UNKNOWN)
    return CallEvent(
        provider=SLUG,
        provider_call_id=call_id,
        provider_account_id=source_id,
        kind=CallEventKind.COMPLETED if status.is_final else CallEventKind.RECEIVED,
        started_at=started_at,
        status=status,
        direction=DIRECTIONS.get(str(get.get("direction") or "").lower(), CallDirection.INBOUND),
        tracking_number=tracking,
        caller_number=caller,
        source=_text(get.get("source"), field="source", notes=notes),
        duration=duration,
        talk_time=call_seconds(get.get("talk_time"), name="talk_time"),
        caller_name=_text(get.get("caller_name"), field="caller_name", notes=notes),
        recording_url=_text(get.get("recording_url"), field="recording_url", notes=notes),
        transcript=_text(get.get("transcript"), field="transcript", notes=notes),
        raw=storable_json(payload),
        notes=tuple(notes),
    )


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list[CallEvent]:
    """A stored delivery of a custom endpoint -> its call, read through the endpoint's field map."""
    if endpoint is None:
        raise UnusablePayload("A custom source's delivery is read through its endpoint's field map.")
    return [call_event(json_parse(body), field_map=endpoint.field_map, source_id=str(endpoint.pk))]
