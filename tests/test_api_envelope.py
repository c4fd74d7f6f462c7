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


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_success_is_documented_as_the_envelope_and_every_error_as_the_error_envelope(openapi):
    schemas = openapi["components"]["schemas"]
    for label, operation in operations(openapi):
        assert "503" in operation["responses"], label  # storage unavailable: any operation
        for status, response in operation["responses"].items():
            schema = response["content"]["application/json"]["schema"]
            if status >= "400":
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, label
                continue
            envelope = schemas[schema["$ref"].split("/")[-1]] if "$ref" in schema else schema
            assert {"success", "message", "data"} <= set(envelope["required"]), label


def test_the_credentials_list_is_an_envelope_around_an_array(openapi):
    answer = openapi["paths"]["/v1/e/calltrackingmetrics/auth"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema["properties"]["data"] == {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}


def test_lists_document_their_pagination_block_and_errors_their_statuses(openapi):
    paths = openapi["paths"]
    calls = paths["/v1/e/calltrackingmetrics/{token_id}/accounts/{ctm_account_id}/calls"]["get"]["responses"]
    assert calls["200"]["content"]["application/json"]["schema"]["properties"]["pagination"] == {
        "$ref": "#/components/schemas/Pagination"
    }
    assert {"400", "401", "403", "404", "502", "503", "504"} <= set(calls)
    assert "CTM_RATE_LIMITED" in calls["503"]["description"] and "Retry-After" in calls["503"]["headers"]
    login = paths["/v1/auth/token"]["post"]["responses"]
    assert "429" in login and "Retry-After" in login["429"]["headers"]
    assert set(paths["/v1/campaigns"]["post"]["responses"]) == {"201", "400", "401", "403", "415", "503"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["limit=null", "limit=abc", "limit=0", "limit=101", "page=0", "page=1.5", "page=null"]
)
def test_paging_parameters_that_are_not_in_range_are_400s_naming_them(api, query):
    response = api.get(f"/v1/campaigns?{query}")
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
    assert query.split("=")[0] in response.json()["errors"]


@pytest.mark.django_db
def test_a_page_past_the_end_is_empty(api):
    response = api.get("/v1/campaigns?page=7&limit=5")
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["pagination"] == {"page": 7, "limit": 5, "total": 0, "total_pages": 1}


@pytest.mark.django_db
def test_json_nested_deeper_than_python_recurses_is_a_400(api):
    body = b"[" * 100_000 + b"]" * 100_000
    response = api.generic("POST", "/v1/campaigns", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "MALFORMED_REQUEST"


def test_errors_about_no_one_field_are_still_an_object():
    from rest_framework.exceptions import ValidationError

    response = envelope_exception_handler(ValidationError("Nope."), {"view": object()})
    assert response.data["errors"] == {"non_field_errors": ["Nope."]}
