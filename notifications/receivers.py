"""What notifications take from the seam (`integrations.call_changes`): changes of calls that are news.

Connected in `NotificationsConfig.ready()`. Runs inside the transaction that wrote the calls, so a
notification (and its outbox deliveries) commits with the change that caused it, or not at all.
"""

from integrations.call_changes import CallChange
from notifications.services import call_change_events, notifications_record


def call_changes_notify(sender, *, changes: list[CallChange], **kwargs) -> None:
    """`call_received` / `call_missed` for each change that is news. One send carries a batch's
    changes: who wants what is looked up once for all its accounts, and its notifications and their
    deliveries are written together."""
    notifications_record(wanted=[wanted for change in changes for wanted in call_change_events(change)])
