"""Nothing lost, nothing twice: a real worker on Redis, the broker down, a worker killed mid-task."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from ctm_integration.celery import app as celery_app
from integrations.models import Call, CallDailyRollup, WebhookDelivery
from integrations.webhooks.processing import webhook_deliveries_due, webhook_deliveries_process
from tests.conftest import deliver, endpoint_url, load_fixture, wait_for

END = load_fixture("ctm", "webhook__end")


def status_of(delivery_id: int) -> str:
    return WebhookDelivery.objects.get(pk=delivery_id).status


def output_of(worker: subprocess.Popen) -> str:
    worker.terminate()
    return worker.communicate(timeout=15)[0][-5000:]


@pytest.mark.celery_worker
def test_a_real_worker_processes_a_delivery_end_to_end(celery_worker, client, endpoint):
    worker = celery_worker()

    response = deliver(client, endpoint_url(endpoint), END)

    delivery_id = response.json()["data"]["delivery_id"]
    if not wait_for(lambda: status_of(delivery_id) == "processed", timeout=60):
        pytest.fail(f"not processed: {status_of(delivery_id)}\n{output_of(worker)}")
    assert Call.objects.get().status == "answered"


class BrokerUnreachable:
    """Point the Celery app at a closed port for the duration, then back."""

    def __enter__(self):
        self.url = celery_app.conf.broker_url
        self._reset("redis://127.0.0.1:1/0")

    def __exit__(self, *exc):
        self._reset(self.url)

    @staticmethod
    def _reset(url: str) -> None:
        from kombu import pools

        celery_app.conf.broker_url = url
        pools.reset()  # kombu caches connection and producer pools per process
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_broker_down_while_receiving_still_200_stored_and_swept_later(client, endpoint, settings, caplog):
    settings.WEBHOOK_SWEEP_AFTER = 0
    with BrokerUnreachable():
        started = time.monotonic()
        response = deliver(client, endpoint_url(endpoint), END)
        elapsed = time.monotonic() - started

    assert response.status_code == 200 and elapsed < 5
    delivery_id = response.json()["data"]["delivery_id"]
    assert status_of(delivery_id) == "pending"
    assert any("on_commit" in r.getMessage() or r.exc_info for r in caplog.records)  # the failed enqueue is logged

    assert webhook_deliveries_due()  # what the periodic sweeper checks before asking for a drain
    assert webhook_deliveries_process() == {delivery_id: "processed"}
    assert Call.objects.count() == 1


def tcp_ports_of(pid: int) -> set[int]:
    """The local TCP ports of the sockets process `pid` holds (Linux /proc): its database sessions
    are the backends whose `client_port` is one of them."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()  # sl local_address rem_address st queues tr retrnsmt uid timeout inode
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def pool_processes_of(worker: subprocess.Popen) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


@pytest.mark.celery_worker
def test_a_worker_killed_mid_task_leaves_the_delivery_processed_exactly_once(celery_worker, client, endpoint):
    worker = celery_worker(pool="prefork")
    blocker = connections.create_connection("default")
    blocker.connect()
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_backend_pid()")
            blocker_pid = cursor.fetchone()[0]
            # The task will insert its call, then wait here, in the middle of its transaction.
            cursor.execute(f'LOCK TABLE "{CallDailyRollup._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
            delivery_id = deliver(client, endpoint_url(endpoint), END).json()["data"]["delivery_id"]
            waiting: list[int] = []

            def our_pool_process_waits_on_our_lock() -> bool:
                """Only our database, only the lock this test holds, only this worker's pool processes:
                other suites on the same server cannot be mistaken for it."""
                ports = {port: pid for pid in pool_processes_of(worker) for port in tcp_ports_of(pid)}
                with connection.cursor() as probe:
                    probe.execute(
                        "SELECT client_port FROM pg_stat_activity WHERE datname = current_database()"
                        " AND %s = ANY(pg_blocking_pids(pid)) AND client_port = ANY(%s)",
                        [blocker_pid, list(ports)],
                    )
                    waiting[:] = [ports[port] for (port,) in probe.fetchall()]
                return bool(waiting)

            if not wait_for(our_pool_process_waits_on_our_lock, timeout=60):
                with connection.cursor() as probe:
                    probe.execute(
                        "SELECT pid, client_port, wait_event_type, state, query FROM pg_stat_activity"
                        " WHERE datname = current_database()"
                    )
                    sessions = probe.fetchall()
                pytest.fail(f"the task never reached the lock: {sessions}\n{output_of(worker)}")
            for pid in waiting:
                os.kill(pid, signal.SIGKILL)
            time.sleep(1)
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()

    if not wait_for(lambda: status_of(delivery_id) == "processed", timeout=90):
        pytest.fail(f"not processed after the kill: {status_of(delivery_id)}\n{output_of(worker)}")
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.attempts == 1  # the killed attempt left nothing behind
    assert Call.objects.count() == 1
    assert sum(CallDailyRollup.objects.values_list("calls", flat=True)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_deliveries_queues_one_drain_task_not_one_per_delivery(client, endpoint):
    import redis

    from integrations.webhooks import drain_gate

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.flushdb()
    try:
        for n in range(5):
            assert deliver(client, endpoint_url(endpoint), {**END, "id": 7000 + n}).status_code == 200
        assert broker.llen("celery") == 1

        drain_gate.gate_release()  # what a drain does when it starts
        deliver(client, endpoint_url(endpoint), {**END, "id": 7100})
        # stored after the drain started: another one is queued, at the latest when this process's
        # interval between requests (WEBHOOK_DRAIN_REQUEST_SECONDS) has passed
        assert wait_for(lambda: broker.llen("celery") == 2, timeout=2)
    finally:
        broker.flushdb()
    assert WebhookDelivery.objects.filter(status="pending").count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_drain_that_finds_a_backlog_asks_another_worker_process_to_help(client, endpoint, settings):
    """A full batch means more is waiting: the drain queues a second one (once), so that the other
    worker process takes batches beside it; a drain that finds less than a batch asks for nobody."""
    import time

    import redis

    from integrations.tasks import webhook_deliveries_drain

    settings.WEBHOOK_BATCH_SIZE = 3
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        for n in range(2):
            assert deliver(client, endpoint_url(endpoint), {**END, "id": 7200 + n}).status_code == 200
        time.sleep(0.3)  # the receiving process's last drain request is sent at the end of its interval
        broker.flushdb()  # what was queued for them, and the gate
        webhook_deliveries_drain.apply()
        time.sleep(0.3)  # longer than a process's interval between drain requests
        assert broker.llen("celery") == 0  # two deliveries: less than a batch

        for n in range(7):
            assert deliver(client, endpoint_url(endpoint), {**END, "id": 7300 + n}).status_code == 200
        time.sleep(0.3)
        broker.flushdb()
        webhook_deliveries_drain.apply()
        assert wait_for(lambda: broker.llen("celery") == 1, timeout=2)  # one helper, not one per batch
        time.sleep(0.3)
        assert broker.llen("celery") == 1
    finally:
        broker.flushdb()
    assert WebhookDelivery.objects.filter(status="processed").count() == 9
