"""Is this process ready to serve? The database answers, the broker answers, every migration is applied.

Each check is bounded in time (a load balancer's probe must never hang a server thread): the broker
gets HEALTH_CHECK_TIMEOUT seconds, the database its connect timeout (DB_CONNECT_TIMEOUT on PostgreSQL).
A failure is named in the answer in a few words; the full error goes to the log, not to the caller.
"""

import logging
from dataclasses import dataclass

import kombu
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # check name -> "ok" or what is wrong

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.warning("readiness: the database is unreachable: %s", exc)
        connection.close()  # the next probe reconnects from scratch
        return f"unreachable ({type(exc).__name__})"
    return OK


def migrations_check() -> str:
    """Every migration this code knows is recorded as applied (the executor's plan is empty)."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        logger.warning("readiness: cannot read the applied migrations: %s", exc)
        return f"unknown ({type(exc).__name__})"
    if not plan:
        return OK
    names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    return f"{len(names)} not applied: {', '.join(names[:5])}" + (", ..." if len(names) > 5 else "")


def broker_check() -> str:
    timeout = settings.HEALTH_CHECK_TIMEOUT
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    for name in ("socket_connect_timeout", "socket_timeout"):  # Redis: never wait longer than the probe may
        options[name] = min(options.get(name, timeout), timeout)
    try:
        with kombu.Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as broker:
            broker.ensure_connection(max_retries=0, timeout=timeout)  # Redis answers a PING on connect
    except Exception as exc:  # kombu wraps most errors, not all (e.g. a redis protocol error): any is "down"
        logger.warning("readiness: the broker is unreachable: %s", exc)
        return f"unreachable ({type(exc).__name__})"
    return OK


def readiness() -> Readiness:
    database = database_check()
    migrations = migrations_check() if database == OK else "not checked (no database)"
    return Readiness(checks={"database": database, "migrations": migrations, "broker": broker_check()})
