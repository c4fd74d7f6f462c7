"""GET /v1/providers: what the frontend builds its provider choices from."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_providers_are_listed_with_their_events_and_auth(api):
    response = api.get("/v1/providers")

    assert response.status_code == 200
    providers = {p["slug"]: p for p in response.json()["data"]}
    assert providers["calltrackingmetrics"] == {
        "slug": "calltrackingmetrics",
        "name": "CallTrackingMetrics",
        "events": ["call.received", "call.updated", "call.completed"],
        "auth": ["signature", "basic"],
    }


def test_the_providers_need_a_signed_in_user(db):
    response = APIClient().get("/v1/providers")
    assert response.status_code == 401 and response.json()["success"] is False
