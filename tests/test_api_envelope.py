"""Every error the API can answer is the envelope: unknown URLs, unexpected crashes, DRF's own."""

import pytest

from ctm_integration.api.exceptions import envelope_exception_handler


def test_an_unknown_api_url_is_a_json_404(client, db):
    response = client.get("/v1/e/calltrackingmetrics/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"success": False, "errno": 404, "message": "Not Found.", "code": "NOT_FOUND"}


def test_an_unexpected_exception_is_a_500_envelope_without_its_text(caplog):
    response = envelope_exception_handler(RuntimeError("db password is hunter2"), {"view": object()})
    assert response.status_code == 500
    assert response.data == {
        "success": False,
        "errno": 500,
        "message": "Internal server error.",
        "code": "INTERNAL_ERROR",
    }
    assert "hunter2" not in str(response.data)
    assert any(r.exc_info for r in caplog.records)  # the traceback is logged for us, not sent to them


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/v1/e/calltrackingmetrics/auth" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_a_models_own_validation_error_is_a_400_naming_the_field():
    from django.core.exceptions import ValidationError

    response = envelope_exception_handler(ValidationError({"timezone": ["Not a zone."]}), {"view": object()})
    assert response.status_code == 400
    assert response.data["code"] == "VALIDATION_ERROR"
    assert response.data["errors"] == {"timezone": ["Not a zone."]}
    assert response.data["message"] == "timezone: Not a zone."


def test_the_openapi_schema_generates_without_a_warning_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for path in ("/v1/e/calltrackingmetrics/{token_id}/webhook", "/v1/notifications/preferences", "/v1/campaigns"):
        assert path in schema
