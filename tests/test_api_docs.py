"""The API docs come from the installed package (no CDN), and are private unless API_DOCS_PUBLIC."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders

from tests.conftest import PASSWORD, api_client_for, owner_of

pytestmark = pytest.mark.django_db

DOC_PAGES = ["/api/docs/", "/api/redoc/"]


@pytest.mark.parametrize("page", DOC_PAGES)
def test_the_docs_pages_load_everything_from_our_own_static_files(client, settings, page):
    settings.API_DOCS_PUBLIC = True
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()

    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "an external host is referenced"
    assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
    if page == "/api/docs/":
        assert '"validatorUrl": null' in html  # Swagger UI would fetch a badge from validator.swagger.io
    assets = re.findall(r"""(?:src|href)\s*=\s*["'](/static/[^"']+)["']""", html)
    assert assets, html
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among the installed static files"


@pytest.fixture
def private_docs(settings):
    settings.API_DOCS_PUBLIC = False


def test_private_schema_without_credentials_is_a_401_envelope(client, private_docs):
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "NOT_AUTHENTICATED" and response.json()["success"] is False
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("page", DOC_PAGES)
def test_private_docs_pages_send_browsers_to_the_admin_login(client, private_docs, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={page}"


def test_private_schema_and_docs_open_to_a_jwt_or_a_staff_session(client, account, private_docs):
    with_jwt = api_client_for(owner_of(account))
    schema = with_jwt.get("/api/schema/")
    assert schema.status_code == 200 and b"/v1/campaigns" in schema.content

    get_user_model().objects.create_user("staff@example.com", "staff@example.com", PASSWORD, is_staff=True)
    client.post("/admin/login/?next=/admin/", {"username": "staff@example.com", "password": PASSWORD})
    assert client.get("/api/schema/").status_code == 200
    for page in DOC_PAGES:
        assert client.get(page).status_code == 200


def test_a_session_without_staff_rights_is_refused(client, account, private_docs):
    client.force_login(owner_of(account))  # e.g. someone whose staff rights were withdrawn
    response = client.get("/api/schema/")
    assert response.status_code == 403 and response.json()["success"] is False
