import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Account
from accounts.services import account_create

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Correct-Horse-9"


def load_fixture(provider: str, name: str) -> dict:
    return json.loads((FIXTURES / provider / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def fast_ctm_retries(settings) -> None:
    """Retries stay on (they are behaviour under test) but without real waiting."""
    settings.CTM_RETRY_BACKOFF = 0
    settings.CTM_MAX_RETRIES = 2
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


@pytest.fixture(autouse=True)
def fresh_receiver_state() -> Iterator[None]:
    """Every test starts with empty rejection counters, a closed Redis breaker and a cold lookup cache
    (they live in Redis and in the process, and would otherwise carry over from the previous test)."""
    from django.core.cache import cache

    from integrations.webhooks import lookup_cache
    from integrations.webhooks.redis_breaker import redis_breaker

    cache.clear()
    redis_breaker.reset()
    lookup_cache.clear()
    yield
    redis_breaker.reset()


@pytest.fixture
def make_account(db) -> Callable[..., Account]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, *, parent: Account | None = None, owner_email: str | None = None) -> Account:
        n = next(counter)
        return account_create(
            name=name or f"Account {n}",
            owner_email=owner_email or f"owner{n}-{Account.objects.count()}@example.com",
            owner_password=PASSWORD,
            parent=parent,
        )

    return make


@pytest.fixture
def account(make_account) -> Account:
    return make_account("Acme Dental")


def owner_of(account: Account):
    return account.memberships.get(role="owner").user


def api_client_for(user, account: Account | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    if account is not None:
        client.defaults["HTTP_X_ACCOUNT_ID"] = str(account.id)
    return client


@pytest.fixture
def api(account) -> APIClient:
    return api_client_for(owner_of(account), account)


@pytest.fixture
def ctm() -> Iterator[responses.RequestsMock]:
    """CTM intercepted at the HTTP boundary; every registered call must be made."""
    import re

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(re.compile(r"^http://(localhost|127\.0\.0\.1)[:/]"))  # our own servers
        yield mock


def ctm_url(path: str) -> str:
    return f"{settings.CTM_API_BASE_URL}{path}"


CTM_LOGIN = {"username": "dental@acme.example", "password": "ctm-Pa55word!"}


def connect_ctm(client: APIClient, mock: responses.RequestsMock, fixture: str = "authentication__access_keys", **login):
    """Connect CTM credentials through the API against an intercepted CTM `POST /authentication`."""
    mock.add(responses.POST, ctm_url("/authentication"), json=load_fixture("ctm", fixture))
    return client.post("/v1/e/calltrackingmetrics/auth", {**CTM_LOGIN, **login}, format="json")


@pytest.fixture
def ctm_sandbox(settings):
    """The project's CTM sandbox on a free loopback port, over real HTTP; the service points at it."""
    from integrations.providers.ctm.sandbox.server import CtmSandbox, SandboxServer

    server = SandboxServer(CtmSandbox(seed=1))
    server.start_in_thread()
    settings.CTM_API_BASE_URL = server.api_base_url
    yield server.sandbox
    server.shutdown()
    server.server_close()


@pytest.fixture
def sandbox_token(api, ctm_sandbox) -> str:
    """CTM connected through our API against the sandbox; the key's token id."""
    from integrations.providers.ctm.sandbox.data import DEMO_LOGIN, DEMO_PASSWORD

    response = api.post(
        "/v1/e/calltrackingmetrics/auth", {"username": DEMO_LOGIN, "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["data"]["token"]


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker process consuming from Redis, on the test database.

    Returns a function that starts it with extra environment (e.g. the sandbox's URL); the worker
    is stopped at teardown. Tests using it must commit their data (transactional_db).
    """
    import os
    import subprocess
    import sys

    import redis
    from django.db import connection

    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: the real-worker tests need Redis")
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no tasks left over from another run
    database_url = database_url_of_tests()
    processes: list[subprocess.Popen] = []

    def start(pool: str = "solo", **extra_env: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
            "DB_CONN_MAX_AGE": "0",
            **extra_env,
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ctm_integration",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    if connection.vendor != "postgresql":
        pytest.skip("the real-worker tests share the test database with another process: PostgreSQL only")
    yield start
    stop_processes(processes)


def stop_processes(processes) -> None:
    import subprocess

    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def database_url_of_tests() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def gunicorn_server(transactional_db, settings):
    """The service under gunicorn (the production server) on a free loopback port, on the test
    database. Returns a function that starts it with extra environment and gives its base URL."""
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the gunicorn tests share the test database with another process: PostgreSQL only")
    processes: list[subprocess.Popen] = []

    def start(**extra_env: str) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
            "DB_CONN_MAX_AGE": "0",
            **extra_env,
        }
        command = [sys.executable, "-m", "gunicorn", "ctm_integration.wsgi:application", "-b", f"127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, "-w", "1", "-k", "gthread", "--threads", "4", "--log-level", "warning"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        ping = urllib.request.Request(f"{base}/v1/e/calltrackingmetrics/webhook/call-update", method="HEAD")
        for _ in range(150):
            try:
                urllib.request.urlopen(ping, timeout=1)
                return base
            except OSError:
                import time

                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    yield start
    stop_processes(processes)


def wait_for(condition: Callable[[], bool], *, timeout: float = 60.0, interval: float = 0.2) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


WEBHOOK_SECRET = "SK-deadbeef-0987654321-topsecret"  # the API secret in authentication__access_keys.json
WEBHOOK_LOGIN = ("ctm-hook-user", "ctm-hook-password")


@pytest.fixture
def ctm_key(api, ctm):
    from integrations.models import Key

    return Key.objects.get(pk=connect_ctm(api, ctm).json()["data"]["token"])


@pytest.fixture
def campaign(account, ctm_key):
    from integrations.models import Campaign

    return Campaign.objects.create(
        account=account, name="Fall Promotion", key=ctm_key, ctm_account_id="25001", tracking_numbers=["+15559876543"]
    )


@pytest.fixture
def endpoint(account, ctm_key, campaign):
    from integrations.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        provider="calltrackingmetrics",
        account=account,
        key=ctm_key,
        campaign=campaign,
        provider_account_id="25001",
        events=["call.received", "call.completed"],
        basic_username=WEBHOOK_LOGIN[0],
        basic_password=WEBHOOK_LOGIN[1],
    )


def deliver(
    client,
    url: str,
    body: bytes | dict,
    *,
    secret: str | None = WEBHOOK_SECRET,
    login=WEBHOOK_LOGIN,
    content_type: str = "application/json",
    **kwargs,
):
    """POST a delivery as CTM does (signed, with the endpoint's Basic-auth login)."""
    from tests.webhook_helpers import ctm_headers, encode

    raw = body if isinstance(body, bytes) else encode(body)
    headers = ctm_headers(
        raw,
        secret=secret,
        username=login[0] if login else "",
        password=login[1] if login else "",
        timestamp=kwargs.pop("timestamp", None),
    )
    return client.generic("POST", url, raw, content_type=content_type, **headers, **kwargs)


def endpoint_url(endpoint) -> str:
    return f"/v1/e/calltrackingmetrics/webhook/{endpoint.pk}/"
