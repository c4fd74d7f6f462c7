"""With PostgreSQL or the broker down, the API says so: 503 STORAGE_UNAVAILABLE with Retry-After.

The outages are real: the database connection is pointed at a closed port for the request, and
tasks are published to a broker address nobody listens on.
"""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import api_client_for, owner_of
from tests.outage_urls import CLOSED_PORT

OUTAGE = {
    "success": False,
    "errno": 503,
    "message": "A storage service is unavailable; please retry.",
    "code": "STORAGE_UNAVAILABLE",
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe closes: nothing listens there


@contextmanager
def database_down():
    saved = connection.settings_dict["PORT"], connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", closed_port()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"], connection.settings_dict["HOST"] = saved


def assert_outage(response, settings):
    assert response.status_code == 503, response.content
    assert response.json() == OUTAGE
    assert response["Retry-After"] == str(settings.STORAGE_UNAVAILABLE_RETRY_AFTER)


@pytest.mark.django_db(transaction=True)
def test_an_api_request_with_the_database_down_is_503(account, settings, caplog):
    client = api_client_for(owner_of(account), account)
    with database_down():
        response = client.get("/v1/campaigns")  # fails in JWT authentication, before the view
    assert_outage(response, settings)
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)  # operators see why
    assert client.get("/v1/campaigns").status_code == 200  # and back once it is


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.outage_urls")
def test_a_plain_django_api_view_with_the_database_down_is_503(settings):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/v1/test/plain-count-users")
    assert_outage(response, settings)


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.outage_urls")
def test_a_middleware_reading_the_database_while_it_is_down_is_503(settings):
    client = Client(raise_request_exception=False)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.outage_urls.TouchDatabaseMiddleware"]
    with database_down():
        response = client.get("/v1/campaigns")
        html = client.get("/admin/login/")  # outside the API Django's own error page stays
    assert_outage(response, settings)
    assert html.status_code == 500 and not html["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.urls("tests.outage_urls")
def test_a_broker_outage_while_enqueueing_is_503(settings, client):
    CLOSED_PORT["port"] = closed_port()
    assert_outage(client.post("/v1/test/enqueue"), settings)


@pytest.mark.urls("tests.outage_urls")
def test_redis_down_is_503(settings, client):
    CLOSED_PORT["port"] = closed_port()
    assert_outage(client.get("/v1/test/redis-ping"), settings)


@pytest.mark.django_db
def test_a_bug_in_a_query_is_still_a_500_not_an_outage():
    from django.db import ProgrammingError

    from ctm_integration.api.exceptions import envelope_exception_handler

    response = envelope_exception_handler(ProgrammingError("relation does not exist"), {"view": object()})
    assert response.status_code == 500 and response.data["code"] == "INTERNAL_ERROR"
