"""No stored secret in a response, a log line, an admin page; ciphertext in the database."""

import logging

import pytest
import responses
from django.db import connection

from integrations.models import Key
from tests.conftest import CTM_LOGIN, connect_ctm, ctm_url, load_fixture

pytestmark = pytest.mark.django_db

ISSUED = load_fixture("ctm", "authentication__access_keys")
SESSION = load_fixture("ctm", "authentication__session_token")
SECRET_VALUES = [CTM_LOGIN["password"], ISSUED["access_key"], ISSUED["secret"], SESSION["token"]]


def full_flow(api, ctm, fixture: str) -> list[str]:
    """Connect, configure, list, hit a 401, disconnect: every answer's body."""
    bodies = [connect_ctm(api, ctm, fixture=fixture).content.decode()]
    token = Key.objects.get().pk
    ctm.add(responses.GET, ctm_url("/accounts/25001.json"), json=load_fixture("ctm", "account__agency"))
    bodies.append(
        api.post(
            "/v1/e/calltrackingmetrics/auth/config", {"token": str(token), "account_id": "25001"}, format="json"
        ).content.decode()
    )
    bodies.append(api.get("/v1/e/calltrackingmetrics/auth").content.decode())
    ctm.add(responses.GET, ctm_url("/accounts/401.json"), status=401)
    bodies.append(
        api.post(
            "/v1/e/calltrackingmetrics/auth/config", {"token": str(token), "account_id": "401"}, format="json"
        ).content.decode()
    )
    bodies.append(api.delete("/v1/e/calltrackingmetrics/auth?global=true").content.decode())
    return bodies


@pytest.mark.parametrize("fixture", ["authentication__access_keys", "authentication__session_token"])
def test_no_response_and_no_log_line_contains_a_secret(api, ctm, caplog, fixture):
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL at DEBUG, query string included

    bodies = full_flow(api, ctm, fixture)

    # The filter the project installs on its log handlers, applied as the handlers apply it.
    from ctm_integration.logging import RedactSecretsFilter

    redactor = RedactSecretsFilter()
    lines = []
    for record in caplog.records:
        redactor.filter(record)
        lines.append(record.getMessage())
    assert any("ctm GET /accounts/25001.json -> 200" in line for line in lines)
    for secret in SECRET_VALUES:
        for text in bodies + lines:
            assert secret not in text


def test_the_database_columns_hold_ciphertext(api, ctm):
    connect_ctm(api, ctm)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT username, password, access_key, secret FROM {Key._meta.db_table}")  # noqa: S608
        stored = cursor.fetchone()

    plaintexts = [CTM_LOGIN["username"], CTM_LOGIN["password"], ISSUED["access_key"], ISSUED["secret"]]
    for column, plaintext in zip(stored, plaintexts, strict=True):
        assert plaintext not in column
        assert column.startswith("gAAAA")  # a Fernet token
    key = Key.objects.get()
    assert [key.username, key.password, key.access_key, key.secret] == plaintexts


def test_admin_pages_show_secrets_redacted_only(api, ctm, admin_client):
    connect_ctm(api, ctm)
    key = Key.objects.get()

    pages = [
        admin_client.get("/admin/integrations/key/"),
        admin_client.get(f"/admin/integrations/key/{key.pk}/change/"),
        admin_client.get(f"/admin/accounts/account/{key.account_id}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for secret in SECRET_VALUES:
            assert secret not in html
    assert "•••••••• (set)" in pages[1].content.decode()
