"""The dashboard page itself: what an empty service shows, filters that name nothing, Chart.js served
from our own static files (the vendored, pinned copy), and staff only."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

VENDOR = Path(__file__).resolve().parents[2] / "dashboard" / "static" / "dashboard" / "vendor"


def test_an_empty_service_shows_zeros_and_says_there_is_nothing_yet(admin_client):
    response = admin_client.get("/admin/")

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-figure="total">0<', page)
    assert "No calls between" in page and "No deliveries in the last 7 days." in page
    assert "No notification delivery failed" in page and "No provider account is synced" in page
    assert 'aria-label="Provider"' not in page  # no provider has data: no filter to offer


def test_filters_that_name_nothing_are_ignored_and_said_so(admin_client):
    response = admin_client.get("/admin/", {"account": "not-an-id", "provider": "nobody"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "No account &#x27;not-an-id&#x27;: showing every account." in page
    assert "No provider &#x27;nobody&#x27;: showing every provider." in page


def test_chart_js_is_the_vendored_pinned_copy_served_from_our_static_files(admin_client):
    page = admin_client.get("/admin/").content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/dashboard/vendor/chart.umd.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # no CDN
    vendored = (VENDOR / "chart.umd.min.js").read_text()
    assert vendored.startswith("/*!\n * Chart.js v4.5.1")
    assert "sourceMappingURL" not in vendored  # the map is not shipped (collectstatic would look for it)
    assert "chart.js 4.5.1" in (VENDOR / "VERSION").read_text()


def test_only_staff_see_the_dashboard(client, account):
    from tests.conftest import owner_of

    client.force_login(owner_of(account))  # an account's owner, not staff

    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
