"""The normalized shapes every provider's deliveries are turned into (DESIGN.md, "events.py").

A provider's `normalize` module is pure: payload in, a list of these out. `CallEvent` feeds the call
store (and its rollups, campaign metrics, notifications); the others feed their own stores.
Anything a shape has no field for stays reachable in `raw`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CallStatus(StrEnum):
    ANSWERED = "answered"  # someone picked up
    MISSED = "missed"  # rang, nobody answered (no-answer, busy, voicemail)
    CANCELED = "canceled"  # the caller hung up while it was ringing
    FAILED = "failed"  # the call could not be connected
    IN_PROGRESS = "in_progress"  # ringing or talking: not final yet
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self is not CallStatus.IN_PROGRESS


# Statuses a person reads as "missed": the caller reached nobody.
UNANSWERED_STATUSES = (CallStatus.MISSED, CallStatus.CANCELED)


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    UNKNOWN = "unknown"


class CallEventKind(StrEnum):
    RECEIVED = "call.received"  # the call started (provider "start")
    UPDATED = "call.updated"  # something about it changed
    COMPLETED = "call.completed"  # it ended; data is final (provider "end")
    SYNCED = "call.synced"  # read from the provider's API, as it is now


@dataclass(frozen=True)
class CallEvent:
    provider: str
    provider_call_id: str
    provider_account_id: str
    kind: CallEventKind
    started_at: datetime
    status: CallStatus = CallStatus.UNKNOWN
    direction: CallDirection = CallDirection.UNKNOWN
    tracking_number: str = ""
    caller_number: str = ""
    source: str = ""
    duration: int = 0
    talk_time: int = 0
    is_first_time_caller: bool = False
    recording_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # What normalizing changed to make the provider's data storable (text cut to its column, NULs removed).
    notes: tuple[str, ...] = ()
    # What providers beyond CTM tell about a call (empty when a provider does not say).
    caller_name: str = ""
    caller_location: dict[str, str] = field(default_factory=dict)  # city, state, country, postal_code, address
    transcript: str = ""
    voicemail: bool = False  # the caller left a voicemail (its transcription is `transcript`)
    keywords: tuple[str, ...] = ()  # spotted in the conversation
    scoring: dict[str, Any] = field(default_factory=dict)  # the provider's call scoring, as it sends it
    attribution: dict[str, str] = field(default_factory=dict)  # utm_*, gclid, referrer, landing_page
    # A call whose provider id is not known yet (Marketing Edge's call start): the store joins it to
    # the later event of the same call by tracking number, caller number and start time.
    provisional: bool = False


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class MessageEvent:
    """A text message (SMS) a tracking number received or sent."""

    provider: str
    provider_message_id: str
    provider_account_id: str
    direction: MessageDirection
    sent_at: datetime
    from_number: str = ""  # E.164
    to_number: str = ""  # E.164
    body: str = ""
    tracking_number: str = ""  # ours: `to_number` inbound, `from_number` outbound
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class LeadEvent:
    """A form submission (a lead that is not a phone call)."""

    provider: str
    provider_lead_id: str
    provider_account_id: str
    submitted_at: datetime
    name: str = ""
    email: str = ""
    phone_number: str = ""  # E.164
    form_name: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # what the form asked, as submitted
    source: str = ""
    attribution: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class TrackerEvent:
    """A provider's tracker (tracking number and its routing) as it is now: we keep a mirror."""

    provider: str
    provider_tracker_id: str
    provider_account_id: str
    name: str = ""
    tracking_numbers: tuple[str, ...] = ()  # E.164
    source: str = ""
    active: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class UsageEvent:
    """Billing usage the provider reported (minutes, messages, numbers...)."""

    provider: str
    provider_usage_id: str
    provider_account_id: str
    occurred_at: datetime
    kind: str = ""  # the provider's own word for what was used
    quantity: float = 0.0
    unit: str = ""
    amount_cents: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class IgnoredEvent:
    """A delivery of an event we do not use (an unknown type, an action we skip): stored and
    acknowledged, so the provider does not retry it or give up on the endpoint."""

    provider: str
    event: str
    reason: str = ""


NormalizedEvent = CallEvent | MessageEvent | LeadEvent | TrackerEvent | UsageEvent | IgnoredEvent
