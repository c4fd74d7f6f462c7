"""What the call and activity stores publish on the seam, recorded by a receiver connected like any
consumer (the signals are the public contract)."""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from integrations.call_changes import ActivityCreated, CallChange, activity_created, call_changed


@dataclass
class Published:
    sends: list[list[CallChange]] = field(default_factory=list)  # one list per `call_changed` send
    activities: list[ActivityCreated] = field(default_factory=list)

    @property
    def changes(self) -> list[CallChange]:
        return [change for send in self.sends for change in send]

    def clear(self) -> None:
        self.sends.clear()
        self.activities.clear()


@pytest.fixture
def published() -> Iterator[Published]:
    record = Published()

    def on_calls(sender, *, changes, **kwargs) -> None:
        record.sends.append(list(changes))

    def on_activities(sender, *, created, **kwargs) -> None:
        record.activities.extend(created)

    call_changed.connect(on_calls, weak=False, dispatch_uid="tests.published.calls")
    activity_created.connect(on_activities, weak=False, dispatch_uid="tests.published.activities")
    yield record
    call_changed.disconnect(dispatch_uid="tests.published.calls")
    activity_created.disconnect(dispatch_uid="tests.published.activities")
