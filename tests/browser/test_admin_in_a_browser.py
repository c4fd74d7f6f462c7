"""Staff in a real browser: logging in, the dashboard's chart drawn with the API's totals (light and
dark), an account's page, replaying a failed delivery until a real worker has processed it, and
disconnecting CTM globally. Screenshots: .local/artifacts/screenshots/."""

import pytest

from dashboard.selectors import DayRange
from integrations.models import Campaign, WebhookDelivery
from tests.browser.conftest import log_in, screenshot
from tests.conftest import api_client_for, owner_of, wait_for
from tests.dashboard.api_figures import last_30_days
from tests.dashboard.world import build_health, build_world

pytestmark = pytest.mark.django_db(transaction=True)

CHART = "canvas[data-calls-chart]"
# How many pixels of the canvas have the "answered" bars' color (from the admin theme's CSS variable).
BAR_PIXELS = """(canvas) => {
  const hex = getComputedStyle(document.documentElement).getPropertyValue('--dash-answered').trim();
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const near = (value, wanted) => Math.abs(value - wanted) < 6;
  let bars = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 200 && near(data[i], r) && near(data[i + 1], g) && near(data[i + 2], b)) bars++;
  }
  return bars;
}"""
CHART_TOTAL = """(canvas) => Chart.getChart(canvas).data.datasets.reduce(
  (sum, set) => sum + set.data.reduce((a, b) => a + b, 0), 0)"""


def api_total(accounts, day_range: DayRange, **query) -> int:
    """What `GET /v1/calls` counts over the range, summed over the accounts (each through its owner)."""
    total = 0
    for account in accounts:
        client = api_client_for(owner_of(account), account)
        body = client.get("/v1/calls", {"start_date": day_range.start, "end_date": day_range.end, **query}).json()
        total += body["pagination"]["total"]
    return total


def figure(page, name: str, within: str = "#calls") -> int:
    return int(page.text_content(f'{within} [data-figure="{name}"]').replace(",", ""))


def assert_chart_drawn(page) -> None:
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-calls-chart]'))")
    canvas = page.locator(CHART)
    # bars, not only axes and legend (the legend's swatch is 12 x 12 pixels): wait for the animation
    page.wait_for_function(f"() => ({BAR_PIXELS})(document.querySelector('{CHART}')) > 2000")
    assert canvas.evaluate(BAR_PIXELS) > 2000


def test_staff_log_in_and_see_the_chart_drawn_with_the_apis_totals_in_light_and_dark(browser_page, staff_user):
    world = build_world()
    build_health(world)
    page = browser_page
    day_range = last_30_days()

    log_in(page)

    assert_chart_drawn(page)
    total = api_total(world.accounts.values(), day_range)
    assert figure(page, "total") == total > 0
    assert figure(page, "answered") == api_total(world.accounts.values(), day_range, status="answered")
    assert page.locator(CHART).evaluate(CHART_TOTAL) == total
    assert page.locator("#webhooks-inbound .dash-badge", has_text="quiet").count() == 1
    light = page.locator(CHART).evaluate("(c) => Chart.getChart(c).options.plugins.legend.labels.color")
    screenshot(page, "dashboard-light")

    page.emulate_media(color_scheme="dark")
    page.wait_for_function(
        "(light) => Chart.getChart(document.querySelector('canvas[data-calls-chart]'))"
        ".options.plugins.legend.labels.color !== light",
        arg=light,
    )
    body_fg = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--body-fg').trim()")
    assert page.locator(CHART).evaluate("(c) => Chart.getChart(c).options.plugins.legend.labels.color") == body_fg
    assert_chart_drawn(page)  # redrawn in the dark theme's bar color
    screenshot(page, "dashboard-dark")
    assert page.js_errors == []


def test_the_admins_theme_toggle_recolors_the_chart(browser_page, staff_user):
    build_world()
    page = browser_page
    log_in(page)
    assert_chart_drawn(page)

    page.evaluate("document.documentElement.dataset.theme = 'dark'")  # what the toggle button does

    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('canvas[data-calls-chart]'))"
        ".options.plugins.legend.labels.color === '#eeeeee'"
    )
    assert_chart_drawn(page)


def test_an_accounts_page_shows_its_chart_and_summary(browser_page, staff_user):
    world = build_world()
    account = world.accounts["Acme Dental"]
    page = browser_page
    log_in(page)

    page.goto(f"/admin/accounts/account/{account.pk}/change/")

    assert_chart_drawn(page)
    assert figure(page, "total") == api_total([account], last_30_days()) > 0
    screenshot(page, "account-page")
    page.goto(f"/admin/integrations/campaign/{world.campaigns['Fall Promotion'].pk}/change/")
    assert_chart_drawn(page)
    screenshot(page, "campaign-page")
    assert page.js_errors == []


def test_replay_a_failed_delivery_from_the_admin_until_a_worker_has_processed_it(
    browser_page, staff_user, celery_worker, client, endpoint
):
    from tests.integrations.test_webhook_admin_and_replay import failed_delivery

    delivery = failed_delivery(client, endpoint)
    assert delivery.status == WebhookDelivery.Status.FAILED
    worker = celery_worker()
    page = browser_page
    log_in(page)

    page.goto("/admin/integrations/webhookdelivery/?status__exact=failed")
    page.check(f"input[name=_selected_action][value='{delivery.pk}']")
    page.select_option("select[name=action]", "replay")
    page.click("button[name=index]")

    assert "1 delivery(ies) queued" in page.text_content(".messagelist")
    assert wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "processed", timeout=60), (
        worker.poll(),
        WebhookDelivery.objects.get(pk=delivery.pk).status,
    )
    page.goto(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert "Processed" in page.text_content(".field-status")


def test_disconnect_ctm_globally_from_the_account_list_disables_the_campaign(
    browser_page, staff_user, account, campaign
):
    page = browser_page
    log_in(page)

    page.goto("/admin/accounts/account/")
    page.check(f"input[name=_selected_action][value='{account.pk}']")
    page.select_option("select[name=action]", "disconnect_ctm_globally")
    page.click("button[name=index]")

    # The confirmation page lists what will be disabled, and nothing has changed yet.
    assert page.text_content("li.campaign") == campaign.name
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    screenshot(page, "disconnect-confirmation")
    page.click("input[name=confirm]")

    assert "1 campaign(s)" in page.text_content(".messagelist")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DISABLED
