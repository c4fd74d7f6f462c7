"""A Redis that hangs (SIGSTOP) must not slow the receiver: after the first failure it is skipped,
and the deliveries are still processed once Redis resumes (the sweeper asks for the drain)."""

import os
import shutil
import signal
import socket
import subprocess

import pytest
import redis

from ctm_integration.celery import app as celery_app
from integrations.models import WebhookDelivery
from integrations.webhooks.redis_breaker import redis_breaker
from tests.conftest import deliver, endpoint_url, load_fixture, wait_for

END = load_fixture("ctm", "webhook__end")


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free loopback port, that the test may freeze."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    assert wait_for(lambda: _pings(url), timeout=10)
    yield url, process
    os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)


def _pings(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=0.5).ping()
    except redis.RedisError:
        return False


def use_redis(settings, url: str) -> None:
    """Point this process's receiver at `url`: drain gate, rejection counters, lookup generation."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.05, "SOCKET_TIMEOUT": 0.05},
        }
    }
    settings.WEBHOOK_REDIS_TIMEOUT = 0.05
    settings.WEBHOOK_REDIS_BREAKER_SECONDS = 300


def redis_activity(probe: redis.Redis) -> tuple[int, int]:
    """(connections Redis has accepted, commands it has run), less this probe's own INFO calls."""
    stats = probe.info("stats")
    return stats["total_connections_received"], stats["total_commands_processed"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_frozen_redis_is_skipped_after_one_failure_and_the_sweeper_catches_up(
    client, endpoint, settings, private_redis, celery_worker
):
    url, server = private_redis
    use_redis(settings, url)
    probe = redis.Redis.from_url(url)  # connected before the freeze; its reads come after the thaw
    assert deliver(client, endpoint_url(endpoint), {**END, "id": 1}).status_code == 200  # Redis still answers
    before = redis_activity(probe)

    os.kill(server.pid, signal.SIGSTOP)
    try:
        answers = [deliver(client, endpoint_url(endpoint), {**END, "id": n}) for n in range(2, 22)]
        rejected = deliver(client, endpoint_url(endpoint), {**END, "id": 99}, secret="wrong")
        assert redis_breaker.is_open
    finally:
        os.kill(server.pid, signal.SIGCONT)

    assert [a.status_code for a in answers] == [200] * 20 and rejected.status_code == 401
    connections, commands = (after - then for after, then in zip(redis_activity(probe), before, strict=True))
    # Without the breaker each of the 21 deliveries would open a connection and send commands.
    assert connections <= 1 and commands <= 3, (connections, commands)

    # Once Redis is back, beat's sweeper asks for a drain and the worker processes every delivery.
    worker = celery_worker(REDIS_URL=url, WEBHOOK_SWEEP_AFTER="0")
    with celery_app.connection_for_write(url) as connection:
        celery_app.send_task("integrations.tasks.webhook_deliveries_sweep", connection=connection)
    processed = wait_for(
        lambda: WebhookDelivery.objects.filter(valid=True, status="processed").count() == 21, timeout=60
    )
    assert processed, worker.stdout.read(4000) if worker.poll() is not None else "worker still running"
