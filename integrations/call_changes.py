"""The seam between the stores and whatever reacts to them (notifications, outbound webhooks).

Every change to a call, from any provider's delivery, the CTM sync, the admin or the API, publishes
one `CallChange` (what the call was before, the call as it is now, where the change came from)
inside the transaction that wrote it. A message or a lead that is created publishes an
`ActivityCreated` the same way. Consumers connect to the two signals in their app's `ready()` and
write their own rows (notifications, outbox deliveries) in that same transaction, so a change and
what it causes commit together or not at all.

History is not news: a change with `news=False` (a backfill, the first sync, a replay of an old
delivery) is still published, so consumers can keep derived data in step, but must fire no trigger
and notify nobody.

Who publishes: `call_services.calls_upsert` (every provider's deliveries and the CTM sync: one change
per call created or changed, one send per batch), `call_edits.call_edit` (the API's PATCH and the
admin: `MANUAL`) and `event_stores` (new messages and leads). Which origin and which `news`: the rules
are in `integrations.news`, with their window `CALL_NEWS_WINDOW_SECONDS`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.dispatch import Signal


class Origin(StrEnum):
    DELIVERY = "delivery"  # a provider's webhook delivery
    SYNC = "sync"  # read from the provider's API by an incremental sync
    BACKFILL = "backfill"  # history: a first sync, `ctm_sync --since`, a replay of old deliveries
    MANUAL = "manual"  # a person edited the call (the API's PATCH, the admin)


@dataclass(frozen=True)
class CallChange:
    """One call after one write. `before` maps the call's fields (attribute names of `Call`) to their
    values before the write; None when the write created the call."""

    call: Any  # integrations.models.Call, as saved
    before: Mapping[str, Any] | None
    origin: Origin
    news: bool

    @property
    def created(self) -> bool:
        return self.before is None

    def previous(self, field: str, default: Any = None) -> Any:
        return default if self.before is None else self.before.get(field, default)

    def changed(self, field: str) -> bool:
        """Whether `field` has a different value now (a new call: whether it has a value at all)."""
        now = getattr(self.call, field)
        return bool(now) if self.before is None else self.before.get(field) != now


@dataclass(frozen=True)
class ActivityCreated:
    """A message or a lead that was stored for the first time."""

    kind: str  # "message" or "lead"
    record: Any  # integrations.models.Message or Lead, as saved
    origin: Origin
    news: bool


# Sent with `changes=[CallChange, ...]`, inside the writing transaction.
call_changed = Signal()
# Sent with `created=[ActivityCreated, ...]`, inside the writing transaction.
activity_created = Signal()


def call_changes_publish(*, changes: list[CallChange]) -> None:
    if changes:
        call_changed.send(sender=CallChange, changes=changes)


def activities_publish(*, created: list[ActivityCreated]) -> None:
    if created:
        activity_created.send(sender=ActivityCreated, created=created)
