"""A real browser: Playwright (from PyPI) driving Debian's chromium through `executable_path`
(Playwright's own browser download cannot work here), against pytest-django's live server on the
test database. Screenshots go to .local/artifacts/screenshots/ (git-ignored)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / ".local" / "artifacts" / "screenshots"
STAFF = ("staff", "Staff-pass-4815")


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI installs it in .ci/run)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
    # meanwhile are ordinary synchronous ones (the live server answers from its own thread).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            yield browser
            browser.close()


@pytest.fixture
def staff_user(transactional_db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(username=STAFF[0], email="staff@agency.example", password=STAFF[1])


@pytest.fixture
def browser_page(chromium, live_server) -> Iterator:
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    # What a person would not see but should not happen: a script error, a page asset that is missing
    # (browsers ask for /favicon.ico on their own; the admin has none).
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.js_errors = errors
    yield page
    context.close()


def log_in(page, username: str = STAFF[0], password: str = STAFF[1]) -> None:
    """Through the admin's login form, as a person does."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")  # noqa: T201 (where to look)
    return path
