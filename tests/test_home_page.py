"""`/` is a small page that leads to the admin, the API docs and the health endpoints (not a debug 404)."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_off(settings) -> None:
    settings.DEBUG = False


def test_the_home_page_links_the_admin_the_api_docs_and_the_health_endpoints_and_each_link_works(client: Client):
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    links = set(re.findall(r'href="(/[^"]*)"', response.content.decode()))
    expected = {"/admin/", "/api/docs/", "/api/redoc/", "/api/schema/", "/healthz", "/readyz"}
    assert expected <= links, links
    for link in sorted(expected):
        assert client.get(link).status_code in (200, 302), link  # the admin sends a visitor to its login


def test_without_public_docs_the_page_says_who_may_read_them(client: Client, settings):
    settings.API_DOCS_PUBLIC = False
    assert "for staff signed in to the admin, or a JWT" in client.get("/").content.decode()


def test_the_home_page_is_read_only(client: Client):
    assert client.post("/").status_code == 405
