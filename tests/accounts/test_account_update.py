"""Changing an account goes through accounts.services.account_update, whoever changes it."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.services import account_update
from integrations.call_changes import Origin
from integrations.call_selectors import ProviderAccountScope, call_summary
from integrations.call_services import call_upsert
from integrations.events import CallEvent, CallEventKind, CallStatus
from integrations.models import CallDailyRollup, CallHourlyRollup
from tests.recount import summary_recount

pytestmark = pytest.mark.django_db

# 03:00 UTC on March 8th is still March 7th (19:00) in Los Angeles.
STARTED = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)


def store_a_call(account) -> None:
    call_upsert(
        account=account,
        origin=Origin.DELIVERY,
        event=CallEvent(
            provider="calltrackingmetrics",
            provider_call_id="1",
            provider_account_id="25001",
            kind=CallEventKind.COMPLETED,
            started_at=STARTED,
            status=CallStatus.ANSWERED,
            source="Google Ads",
        ),
    )


def test_a_new_time_zone_moves_calls_to_their_new_local_days(account):
    store_a_call(account)
    assert CallDailyRollup.objects.get().day == date(2026, 3, 8)

    account_update(account=account, timezone="America/Los_Angeles")

    assert CallDailyRollup.objects.get().day == date(2026, 3, 7)
    assert (CallHourlyRollup.objects.get().day, CallHourlyRollup.objects.get().hour) == (date(2026, 3, 7), 19)
    window = ProviderAccountScope(
        account=account,
        provider="calltrackingmetrics",
        provider_account_id="25001",
        start=date(2026, 3, 7),
        end=date(2026, 3, 7),
    )
    assert call_summary(scope=window) == summary_recount(account, "25001", window.start, window.end)


def test_other_changes_leave_the_rollups_alone(account):
    store_a_call(account)
    rollup = CallDailyRollup.objects.get()

    account_update(account=account, name="Renamed", timezone=account.timezone)

    account.refresh_from_db()
    assert account.name == "Renamed"
    assert CallDailyRollup.objects.get().pk == rollup.pk  # not rebuilt


def test_an_invalid_change_is_refused_and_nothing_changes(account):
    store_a_call(account)
    with pytest.raises(ValidationError):
        account_update(account=account, timezone="Mars/Base")
    with pytest.raises(TypeError):
        account_update(account=account, id="not-a-field")

    account.refresh_from_db()
    assert account.timezone == "UTC" and CallDailyRollup.objects.get().day == date(2026, 3, 8)
