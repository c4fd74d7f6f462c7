"""The one normalized shape every provider's call data is turned into (DESIGN.md, "events.py")."""

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
