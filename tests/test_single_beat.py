"""Two `bin/run`s on one checkout start two Celery beats: only one schedules, the other stands by and
takes over when the first stops, so periodic tasks never run twice.

Both beats are real processes on the same state directory and database, ticking every second.
"""

import pytest

from tests.celery_processes import CeleryProcess, zero_config_env
from tests.conftest import database_url_of_tests, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SENT = "Sending due task webhook-sweep"


def test_a_second_beat_stands_by_until_the_first_stops(tmp_path, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the beats share the test database: PostgreSQL only")
    env = zero_config_env(
        state_dir=tmp_path / "state",
        database_url=database_url_of_tests(),
        encryption_key=",".join(settings.FIELD_ENCRYPTION_KEY),
        WEBHOOK_SWEEP_EVERY="1",  # a periodic task every second, to see who sends it
    )
    first = CeleryProcess("beat", env=env, log=tmp_path / "first.log")
    second = None
    try:
        assert wait_for(lambda: SENT in first.output, timeout=60), first.output
        second = CeleryProcess("beat", env=env, log=tmp_path / "second.log")
        assert wait_for(lambda: "stands by" in second.output, timeout=60), second.output
        sent_by_first = first.output.count(SENT)
        assert wait_for(lambda: first.output.count(SENT) >= sent_by_first + 3, timeout=30)

        assert SENT not in second.output  # one beat only
        assert f"Another Celery beat (pid {first.process.pid}) already schedules the periodic tasks" in second.output

        assert first.stop() == 0
        assert wait_for(lambda: SENT in second.output, timeout=30), second.output  # the standby takes over
        assert "this one (pid" in second.output and "now schedules the periodic tasks" in second.output
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0  # a standing-by or scheduling beat stops cleanly
