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
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
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
