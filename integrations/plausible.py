"""What a stored call may hold, for every provider's normalizer: ids we can keep whole, start times
and durations that are plausible for a phone call. A payload outside these is refused (400) before
it is acknowledged, so that a 2xx always means the delivery will be processed."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

# Ids are refused rather than cut: cutting would merge distinct calls.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
ID_MAX_LENGTH = 64
MAX_CALL_SECONDS = 7 * 24 * 3600  # a duration beyond a week is a corrupt value, not a call
EARLIEST_CALL = datetime(1990, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=2)


class UnusablePayload(ValueError):
    """The payload is JSON but not something we can store faithfully (no id, no time, an id or a
    number we cannot keep). The message says which, without quoting the payload."""


def provider_id(value: Any, *, name: str, required: bool) -> str:
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
