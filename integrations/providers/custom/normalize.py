"""A mapped custom source: any app posts its own JSON, and the endpoint's field map says where our
fields are in it (dotted paths: `{"caller_number": "contact.primary_phone", "started_at": "created"}`).
Pure functions: the field map is checked when it is saved, then applied to deliveries.

A field map describes one kind of record, inferred from the fields it maps (no "kind" key to set):
- a **call** maps `started_at` and `caller_number` (and any other call field: duration, status...);
- a **form lead** maps `submitted_at` and `email` or `phone_number` (and name, form_name, fields...).
`id`, `source` and the attribution fields (utm_*, gclid, referrer, landing_page) belong to both. A map
with fields of both kinds, or of neither, is refused when it is saved, with what to map instead.
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus, LeadEvent, NormalizedEvent
from integrations.plausible import (
    UnusablePayload,
    call_seconds,
    call_start,
    free_text,
    phone_number,
    provider_id,
    raw_object,
    url_text,
)
from integrations.untrusted import json_parse, storable_json

SLUG = "custom"
CALL, LEAD = "call", "lead"
EVENTS = (CALL, LEAD)
PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,9}$")

ATTRIBUTION_TARGETS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "referrer",
    "landing_page",
)
SHARED_TARGETS = ("id", "source", *ATTRIBUTION_TARGETS)  # a call's or a lead's
CALL_TARGETS = (
    "started_at",
    "caller_number",
    "tracking_number",
    "duration",
    "talk_time",
    "status",
    "direction",
    "caller_name",
    "recording_url",
    "transcript",
)
LEAD_TARGETS = ("submitted_at", "email", "phone_number", "name", "form_name", "fields", "message")
TARGETS = (*SHARED_TARGETS, *CALL_TARGETS, *LEAD_TARGETS)
KIND_TARGETS = {CALL: CALL_TARGETS, LEAD: LEAD_TARGETS}
REQUIRED = {CALL: ("started_at", "caller_number"), LEAD: ("submitted_at",)}
LEAD_CONTACT = ("email", "phone_number")  # a lead maps at least one: a lead nobody can answer is none
WHAT_TO_MAP = (
    "a call maps started_at and caller_number (e.g. "
    '{"started_at": "created", "caller_number": "contact.phone"}); '
    "a form lead maps submitted_at and email or phone_number (e.g. "
    '{"submitted_at": "created", "email": "contact.email"})'
)

TEXT_LIMITS = {
    "source": 200,
    "caller_name": 200,
    "transcript": 20_000,
    "name": 200,
    "email": 254,
    "form_name": 200,
    "message": 20_000,
    "attribution": 1000,
}
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


def _listed(names) -> str:
    return ", ".join(sorted(names))


def field_map_clean(value: Any) -> dict[str, str]:
    """The field map as saved: our field -> a dotted path into the payload, describing a call or a
    form lead. ValidationError (saying what to map) if not."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(f"A field map is an object of our field -> dotted path: {WHAT_TO_MAP}.")
    unknown = set(value) - set(TARGETS)
    if unknown:
        raise ValidationError(
            f"Unknown fields {_listed(unknown)}: a call maps any of {', '.join(CALL_TARGETS)}; "
            f"a form lead any of {', '.join(LEAD_TARGETS)}; either may map {', '.join(SHARED_TARGETS)}."
        )
    bad = [name for name, path in value.items() if not isinstance(path, str) or not PATH.match(path)]
    if bad:
        raise ValidationError(f"Not a dotted path (letters, digits, _ or -, joined by dots): {_listed(bad)}.")
    call_fields, lead_fields = set(value) & set(CALL_TARGETS), set(value) & set(LEAD_TARGETS)
    if call_fields and lead_fields:
        raise ValidationError(
            f"A field map describes a call or a form lead, not both: {_listed(call_fields)} are a call's, "
            f"{_listed(lead_fields)} a lead's."
        )
    if not call_fields and not lead_fields:
        raise ValidationError(f"Say what the source posts: {WHAT_TO_MAP}.")
    kind = CALL if call_fields else LEAD
    missing = [name for name in REQUIRED[kind] if name not in value]
    if kind == LEAD and not any(name in value for name in LEAD_CONTACT):
        missing.append(" or ".join(LEAD_CONTACT))
    if missing:
        raise ValidationError(f"A {'call' if kind == CALL else 'form lead'} needs {' and '.join(missing)} mapped.")
    return dict(value)


def field_map_kind(field_map: dict[str, str]) -> str:
    """What a (saved, valid) field map describes: `"lead"` if it maps a lead's fields, else `"call"`."""
    return LEAD if set(field_map) & set(LEAD_TARGETS) else CALL


def field_map_events(field_map: dict[str, str]) -> tuple[str, ...]:
    """The events an endpoint with this field map receives: its one kind."""
    return (field_map_kind(field_map),)


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


def _moment(value: Any, *, what: str) -> datetime:
    """ISO 8601 (a bare one is UTC) or epoch seconds, between 1990 and now."""
    moment = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise UnusablePayload(f"The {what} is not a plausible time.") from None
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    if moment is None:
        raise UnusablePayload(f"The {what} must be ISO 8601 or epoch seconds.")
    try:
        return call_start(moment)
    except UnusablePayload:
        raise UnusablePayload(f"The {what} is not a plausible time.") from None


def _text(value: Any, *, field: str, notes: list[str]) -> str:
    return free_text(value, field=field, notes=notes, limit=TEXT_LIMITS[field])


def _email(value: Any) -> str:
    """An email address as given (trimmed), or "" when it is not one."""
    text = free_text(value, field="email", notes=[]).strip()
    if not text or len(text) > TEXT_LIMITS["email"]:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        return ""
    return text


def _attribution(get: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    values = {
        name: free_text(get.get(name), field=f"attribution.{name}", notes=notes, limit=TEXT_LIMITS["attribution"])
        for name in ATTRIBUTION_TARGETS
    }
    return {name: value for name, value in values.items() if value}


def _content_id(*parts: str) -> str:
    """A record's id when none is mapped: a hash of what identifies it, so the same record posted
    again is the same record."""
    return "h:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _mapped(payload: Any, field_map: dict[str, str]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise UnusablePayload("The body is not a JSON object.")
    return {name: resolve(payload, path) for name, path in field_map.items()}


def call_event(payload: Any, *, field_map: dict[str, str], source_id: str) -> CallEvent:
    """One posted call as a `CallEvent`. Without a mapped id, the call's id is a hash of its caller,
    tracking number and start: the same call posted again is the same call."""
    get = _mapped(payload, field_map)
    started_at = _moment(get.get("started_at"), what="start time")
    caller = phone_number(get.get("caller_number"))
    if not caller:
        raise UnusablePayload("The caller number is missing or not a phone number.")
    tracking = phone_number(get.get("tracking_number"))
    call_id = provider_id(get.get("id"), name="id", required=False) or _content_id(
        caller, tracking, started_at.isoformat()
    )
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
        recording_url=url_text(get.get("recording_url"), field="recording_url", notes=notes),
        transcript=_text(get.get("transcript"), field="transcript", notes=notes),
        attribution=_attribution(get, notes=notes),
        raw=raw_object(payload, notes=notes),
        notes=tuple(notes),
    )


def lead_event(payload: Any, *, field_map: dict[str, str], source_id: str) -> LeadEvent:
    """One posted form submission as a `LeadEvent`. It needs a readable submission time and an email
    address or a phone number to answer. Without a mapped id, the lead's id is a hash of its time,
    email, phone number and form: the same submission posted again is the same lead."""
    get = _mapped(payload, field_map)
    submitted_at = _moment(get.get("submitted_at"), what="submission time")
    email, phone = _email(get.get("email")), phone_number(get.get("phone_number"))
    if not email and not phone:
        raise UnusablePayload("The form lead has no email address or phone number where the field map says.")
    form_fields = get.get("fields")
    if form_fields is not None and not isinstance(form_fields, dict):
        raise UnusablePayload("The form's fields (where `fields` points) must be a JSON object.")
    fields = storable_json(form_fields or {})
    message = _text(get.get("message"), field="message", notes=[])
    if message:
        fields["message"] = message
    form_name = _text(get.get("form_name"), field="form_name", notes=[])
    lead_id = provider_id(get.get("id"), name="id", required=False) or _content_id(
        submitted_at.isoformat(), email.lower(), phone, form_name
    )
    return LeadEvent(
        provider=SLUG,
        provider_lead_id=lead_id,
        provider_account_id=source_id,
        submitted_at=submitted_at,
        name=_text(get.get("name"), field="name", notes=[]),
        email=email,
        phone_number=phone,
        form_name=form_name,
        fields=fields,
        source=_text(get.get("source"), field="source", notes=[]),
        attribution=_attribution(get, notes=[]),
        raw=raw_object(payload, notes=[]),
    )


EVENT_OF_KIND = {CALL: call_event, LEAD: lead_event}


def delivery_events(body: bytes, *, event_hint: str = "", endpoint=None) -> list[NormalizedEvent]:
    """A stored delivery of a custom endpoint -> its call or its form lead, read through the
    endpoint's field map (which says which of the two it is)."""
    if endpoint is None:
        raise UnusablePayload("A custom source's delivery is read through its endpoint's field map.")
    event = EVENT_OF_KIND[field_map_kind(endpoint.field_map)]
    return [event(json_parse(body), field_map=endpoint.field_map, source_id=str(endpoint.pk))]
