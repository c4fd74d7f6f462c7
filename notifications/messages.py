"""What each event says to a person: a title and a sentence, filled from the notification's context."""

from collections import defaultdict

from notifications.models import Event, Notification

INTEGRATION_NAMES = {"calltrackingmetrics": "CallTrackingMetrics"}

TEXT: dict[str, tuple[str, str]] = {
    Event.PROJECT_ADDED: (
        "{integration_name} connected",
        "{integration_name} was connected to {account_name}.",
    ),
    Event.INTEGRATION_DISCONNECTED: (
        "{integration_name} disconnected",
        "{integration_name} was disconnected from {account_name}.",
    ),
    Event.TOKEN_INVALIDATED: (
        "Reconnect {integration_name}",
        "{integration_name} no longer accepts the credentials of {account_name}: reconnect it to keep "
        "calls and reports flowing.",
    ),
    Event.WEBHOOK_FAILING: (
        "{integration_name} webhooks are failing",
        "Call events from {integration_name} for {account_name} keep failing ({failures} in the last hour).",
    ),
    Event.OUTBOUND_WEBHOOK_FAILING: (
        "Outbound webhook {webhook_name} deactivated",
        "{account_name} could not send {trigger} events to {url} ({reason}), so the webhook was deactivated. "
        "Reactivate it once the receiver works again, and rerun what failed meanwhile.",
    ),
    Event.CALL_RECEIVED: (
        "New call from {caller_number}",
        "{caller_number} called {tracking_number} ({source}) for {account_name}.",
    ),
    Event.CALL_MISSED: (
        "Missed call from {caller_number}",
        "A call from {caller_number} to {tracking_number} ({source}) for {account_name} was not answered.",
    ),
}


def render(notification: Notification) -> tuple[str, str]:
    """(title, body) of a notification."""
    context = defaultdict(str, notification.context)
    integration = context.get("integration", "")
    context["integration_name"] = INTEGRATION_NAMES.get(integration, integration or "The integration")
    context.setdefault("account_name", notification.account.name)
    title, body = TEXT.get(notification.event, ("{account_name}", notification.get_event_display()))
    return title.format_map(context), body.format_map(context)
