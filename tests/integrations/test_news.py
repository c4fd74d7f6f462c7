"""History is not news: the rules, on their own (integrations/news.py)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from integrations.call_changes import Origin
from integrations.news import call_finished_at, delivery_origin, is_news

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.mark.parametrize(
    ("origin", "finished_at", "news"),
    [
        (Origin.DELIVERY, ago(days=3), True),  # a provider telling us now, whatever the call's age
        (Origin.MANUAL, ago(days=300), True),  # a person's edit
        (Origin.BACKFILL, None, False),  # history, even of a call in progress
        (Origin.BACKFILL, ago(minutes=1), False),
        (Origin.SYNC, None, True),  # still in progress
        (Origin.SYNC, ago(minutes=5), True),
        (Origin.SYNC, ago(hours=1), True),  # the window's edge is inside
        (Origin.SYNC, ago(hours=1, seconds=1), False),
        (Origin.SYNC, ago(hours=2), False),
    ],
)
def test_what_is_news(origin, finished_at, news):
    assert is_news(origin=origin, finished_at=finished_at, now=NOW, window=HOUR) is news


@pytest.mark.parametrize(
    ("received_at", "origin"),
    [(ago(minutes=5), Origin.DELIVERY), (ago(hours=1), Origin.DELIVERY), (ago(hours=2), Origin.BACKFILL)],
)
def test_an_old_delivery_is_a_backfill(received_at, origin):
    assert delivery_origin(received_at=received_at, now=NOW, window=HOUR) is origin


def test_a_call_ends_its_duration_after_its_start_unless_it_is_in_progress():
    start = ago(minutes=10)
    assert call_finished_at(SimpleNamespace(status="answered", started_at=start, duration=300)) == ago(minutes=5)
    assert call_finished_at(SimpleNamespace(status="missed", started_at=start, duration=0)) == start
    assert call_finished_at(SimpleNamespace(status="in_progress", started_at=start, duration=300)) is None
