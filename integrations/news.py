"""History is not news: which published changes consumers react to (DESIGN.md, the seam).

Every change of a call, message or lead is published (`integrations.call_changes`), but only news
fires a notification or an outbound trigger; history (`news=False`) only keeps derived data in step.
The rules, all decided here, with one window, `CALL_NEWS_WINDOW_SECONDS` (default an hour):

- a provider's delivery is news, unless it was received longer than the window ago (a replay of an
  old delivery, or one processed after a long outage): that one is history, origin `BACKFILL`;
- the first sync of an account (no watermark yet) and `ctm_sync --since` are `BACKFILL`: history;
- an incremental sync (`SYNC`) is news for a call that is still going on or ended within the window
  (`started_at + duration`), history for one that ended before;
- a person's edit (`MANUAL`) is news.
"""

from datetime import datetime, timedelta

from django.conf import settings

from integrations.call_changes import Origin
from integrations.events import CallStatus


def news_window() -> timedelta:
    return timedelta(seconds=settings.CALL_NEWS_WINDOW_SECONDS)


def delivery_origin(*, received_at: datetime, now: datetime, window: timedelta) -> Origin:
    """A delivery received within the window is a `DELIVERY`; an older one is a `BACKFILL`."""
    return Origin.DELIVERY if received_at >= now - window else Origin.BACKFILL


def is_news(*, origin: Origin, finished_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """Whether a change from `origin` is news. `finished_at`: when what changed was over (a call's
    end, a message's sending), None while it is still going on (a call in progress)."""
    if origin is Origin.BACKFILL:
        return False
    if origin is Origin.SYNC:
        return finished_at is None or finished_at >= now - window
    return True  # DELIVERY, MANUAL


def call_finished_at(call) -> datetime | None:
    """When `call` (anything with `status`, `started_at` and `duration`) ended; None while in progress."""
    if call.status == CallStatus.IN_PROGRESS:
        return None
    return call.started_at + timedelta(seconds=call.duration or 0)
