"""What a stored call may hold, for every provider's normalizer: ids we can keep whole, start times
and durations that are plausible for a phone call. A payload outside these is refused (400) before
it is acknowledged, so that a 2xx always means the delivery will be processed. And the small pieces
every pure normalizer builds its events with: storable text, URLs and raw objects (each change
noted on the call), E.164 numbers, ISO 8601 times."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from integrations.phone_numbers import to_e164
from integrations.untrusted import storable_json, storable_text

# Ids are refused rather than cut: cutting would merge distinct calls.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
ID_MAX_LENGTH = 64
MAX_CALL_SECONDS = 7 * 24 * 3600  # a duration beyond a week is a corrupt value, not a call
EARLIEST_CALL = datetime(1990, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=2)
URL_MAX_LENGTH = 1000  # the call store's `recording_url` column


class UnusablePayload(ValueError):
    """The payload is JSON but not something we can store faithfully (no id, no time, an id or a
    number we cannot keep). The message says which, without quoting the payload."""


def provider_id(value: Any, *, name: str, required: bool = True) -> str:
    """A provider's id (an integer, or a string of letters, digits and `_.:-`) that fits its column."""
    if value in (None, ""):
        if required:
            raise UnusablePayload(f"The payload has no {name}.")
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UnusablePayload(f"The {name} must be a string or an integer.")
    text = str(value)
    if len(text) > ID_MAX_LENGTH or not ID_PATTERN.match(text):
        raise UnusablePayload(f"The {name} must be at most {ID_MAX_LENGTH} letters, digits or _.:- characters.")
    return text


def call_seconds(value: Any, *, name: str) -> int:
    """A number of seconds; unreadable values count as 0, absurd ones are refused."""
    if isinstance(value, bool):
        return 0
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    if seconds != seconds or seconds > MAX_CALL_SECONDS:  # NaN, or longer than any call
        raise UnusablePayload(f"The {name} must be at most {MAX_CALL_SECONDS} seconds.")
    return max(0, int(seconds))


def call_start(moment: datetime) -> datetime:
    """`moment` if it is a plausible start for a call: between 1990 and (with some clock skew) now."""
    if not EARLIEST_CALL <= moment <= timezone.now() + CLOCK_SKEW:
        raise UnusablePayload("The start time is not a plausible time for a call.")
    return moment


def free_text(value: Any, *, field: str, notes: list[str], limit: int | None = None) -> str:
    """Free text made storable (NULs out, lone surrogates replaced), cut to `limit` if any, each change noted."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    original = value if isinstance(value, str) else str(value)
    text = storable_text(original)
    if text != original:
        notes.append(f"{field}: characters a database cannot store were removed")
    if limit is not None and len(text) > limit:
        notes.append(f"{field}: cut from {len(text)} to {limit} characters")
        text = text[:limit]
    return text


def url_text(value: Any, *, field: str, notes: list[str]) -> str:
    """A URL as sent (the store validates it); not a string, or too long to keep whole -> ""."""
    url = free_text(value, field=field, notes=notes) if isinstance(value, str) else ""
    if len(url) > URL_MAX_LENGTH:
        notes.append(f"{field}: longer than {URL_MAX_LENGTH} characters, not kept (a cut URL is a broken one)")
        return ""
    return url


def raw_object(value: dict[str, Any], *, notes: list[str]) -> dict[str, Any]:
    """The provider's object, storable as JSON (a change is noted)."""
    raw = storable_json(value)
    if raw != value:
        notes.append("raw: characters a database cannot store were removed")
    return raw


def phone_number(value: Any) -> str:
    """E.164 (`+1` before 10 digits), or "" when it is not a phone number."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return ""
    try:
        return to_e164(str(value))
    except ValueError:
        return ""


def iso_moment(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (without an offset it is UTC); None if absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def first_of(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The first of `keys` that `mapping` has a non-empty value for (providers spell keys several ways)."""
    return next((mapping[key] for key in keys if mapping.get(key) not in (None, "")), None)
