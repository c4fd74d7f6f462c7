"""What notifications take from the seam (`integrations.call_changes`): changes of calls that are news.

Connected in `NotificationsConfig.ready()`. Runs inside the transaction that wrote the calls, so a
notification (and its outbox deliveries) commits with the change that caused it, or not at all.
"""

from integrations.call_changes import CallChange
from notifications.services import Audience, call_change_notify


def call_changes_notify(sender, *, changes: list[CallChange], **kwargs) -> None:
    """`call_received` / `call_missed` for each change that is news. One send carries a batch's
    changes, so who wants what is looked up once per account for the whole batch."""
    audience = Audience()
    for change in changes:
        call_change_notify(change=change, audience=audience)
