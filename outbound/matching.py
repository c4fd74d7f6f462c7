"""Which webhooks a change fires: triggers and filters, as pure functions of the published change.

Nothing here reads the database: a rule is anything with `trigger`, `keywords` and `filters` (an
`OutboundWebhook`, or a `Rule` in tests), and a change is the seam's `CallChange` or
`ActivityCreated` (`integrations.call_changes`). Only news fires anything: history (a backfill, a
replay) is published too, and matches nothing here.

A trigger that watches a field fires when the field *becomes* what it watches for (a new call counts
as becoming whatever it already is): `answered` fires once when the call is answered, not again for
every later update of an answered call.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from integrations.call_changes import ActivityCreated, CallChange, Origin
from integrations.events import CallStatus
from outbound.triggers import DIRECTION_FILTER, Trigger

UNCOMPARED = frozenset({"updated_at", "created_at"})  # bookkeeping: changing them alone is no change


class RuleLike(Protocol):
    trigger: str
    keywords: Sequence[str]
    filters: Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    trigger: str
    keywords: Sequence[str] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)


# --- triggers of a call change ------------------------------------------------------------------


def _before(change: CallChange, name: str) -> Any:
    return change.previous(name)


def _became(change: CallChange, name: str, holds: Callable[[Any], bool]) -> bool:
    """The field now satisfies `holds` and did not before (a new call: it does now)."""
    if not holds(getattr(change.call, name)):
        return False
    return change.created or not holds(_before(change, name))


def _status_is(status: CallStatus) -> Callable[[Any], bool]:
    return lambda value: value == status.value


def _final(value: Any) -> bool:
    try:
        return CallStatus(value).is_final
    except ValueError:
        return False


def anything_changed(change: CallChange) -> bool:
    if change.created:
        return True
    return any(
        name not in UNCOMPARED and getattr(change.call, name, value) != value for name, value in change.before.items()
    )


def keywords_found(keywords: Sequence[str], *, transcript: str, spotted: Sequence[str]) -> set[str]:
    """The configured keywords (case-insensitive, whole words) in a transcript or the provider's
    spotted keywords."""
    found = set()
    spotted_text = "\n".join(str(s) for s in spotted or ())
    for keyword in keywords:
        word = keyword.strip()
        if not word:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        if pattern.search(transcript or "") or pattern.search(spotted_text):
            found.add(word.lower())
    return found


def _keyword_spotted(change: CallChange, keywords: Sequence[str]) -> bool:
    now = keywords_found(keywords, transcript=change.call.transcript, spotted=change.call.keywords)
    if not now or change.created:
        return bool(now)
    before = keywords_found(
        keywords, transcript=_before(change, "transcript") or "", spotted=_before(change, "keywords") or ()
    )
    return bool(now - before)


def _sale_set(change: CallChange) -> bool:
    value = change.call.sale_value
    if value is None:
        return False
    previous = _before(change, "sale_value")
    return change.created or previous is None or Decimal(str(previous)) != Decimal(str(value))


CALL_TRIGGER_RULES: dict[Trigger, Callable[[CallChange], bool]] = {
    Trigger.START: lambda c: c.created,
    Trigger.ANSWERED: lambda c: _became(c, "status", _status_is(CallStatus.ANSWERED)),
    Trigger.HANGUP: lambda c: _became(c, "status", _status_is(CallStatus.CANCELED)),
    Trigger.UPDATE: anything_changed,
    Trigger.END_IMMEDIATE: lambda c: _became(c, "status", _final),
    Trigger.END: lambda c: _became(c, "completed", bool),
    Trigger.END_DELAYED: lambda c: _became(c, "completed", bool),
    Trigger.MANUAL_UPDATE: lambda c: c.origin == Origin.MANUAL and anything_changed(c),
    Trigger.RECORDING: lambda c: bool(c.call.recording_url) and c.changed("recording_url"),
    Trigger.VOICEMAIL: lambda c: _became(c, "voicemail", bool),
    Trigger.SALE: _sale_set,
}


def call_triggers(change: CallChange, *, keywords: Sequence[str] = ()) -> set[Trigger]:
    """Every trigger this change fires (none unless it is news)."""
    if not change.news:
        return set()
    fired = {trigger for trigger, fires in CALL_TRIGGER_RULES.items() if fires(change)}
    if keywords and _keyword_spotted(change, keywords):
        fired.add(Trigger.KEYWORD)
    return fired


def activity_trigger(activity: ActivityCreated) -> Trigger | None:
    """The trigger a new message or lead fires (none unless it is news)."""
    if not activity.news:
        return None
    if activity.kind == "lead":
        return Trigger.FORM
    if activity.kind == "message":
        return Trigger.INBOUND_TEXT if activity.record.direction == "inbound" else Trigger.OUTBOUND_TEXT
    return None


# --- filters --------------------------------------------------------------------------------------

MISSING = object()


def _normalized(value: Any) -> str:
    return str(value).strip().lower()


def _in_list(wanted: Sequence[Any], value: Any) -> bool:
    if value is None:
        return False
    values = value if isinstance(value, list | tuple | set) else [value]
    return bool({_normalized(w) for w in wanted} & {_normalized(v) for v in values})


# Filter key -> (the subject's attribute, does the value pass). A subject without the attribute (a
# text message has no talk time, a form no direction) is not filtered on it.
FILTERS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "tracking_source": ("source", _in_list),
    "tracking_number": ("tracking_number", _in_list),
    "tag": ("tags", _in_list),
    "campaign_id": ("campaign_id", _in_list),
    "provider": ("provider", _in_list),
    "min_talk_time": ("talk_time", lambda minimum, value: (value or 0) >= minimum),
    "min_total_time": ("duration", lambda minimum, value: (value or 0) >= minimum),
    DIRECTION_FILTER: ("direction", lambda wanted, value: _normalized(wanted) == _normalized(value)),
}


def _omitted(value: Any) -> bool:
    return value is None or value == "" or value == 0 or (isinstance(value, list | tuple) and not value)


def filters_match(filters: Mapping[str, Any], subject: Any) -> bool:
    """Every filter given must match; an omitted (or empty) one matches everything."""
    for key, wanted in (filters or {}).items():
        if _omitted(wanted) or key not in FILTERS:
            continue
        attribute, passes = FILTERS[key]
        value = getattr(subject, attribute, MISSING)
        if value is MISSING:
            continue
        if not passes(wanted, value):
            return False
    return True


# --- a rule against a change ---------------------------------------------------------------------


def call_change_fires(rule: RuleLike, change: CallChange) -> bool:
    if not change.news:
        return False
    trigger = Trigger(rule.trigger)
    if trigger is Trigger.KEYWORD:
        fired = _keyword_spotted(change, rule.keywords)
    else:
        fires = CALL_TRIGGER_RULES.get(trigger)
        fired = fires is not None and fires(change)
    return fired and filters_match(rule.filters, change.call)


def activity_fires(rule: RuleLike, activity: ActivityCreated) -> bool:
    return activity_trigger(activity) == rule.trigger and filters_match(rule.filters, activity.record)
