"""A manager's dashboard updates by itself: a visit logged on a tablet in another browser
shows in the tiles within a second or two, and after the network is cut and restored the
page says so and catches up without a reload. Real WebSockets, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from organisations.models import Membership
from tests.browser.helpers import BROWSER_TEST, TABLET, log_in, log_typical_visit
from tests.factories import earlier_today, member
from tests.indicators.factories import make_visit

pytestmark = BROWSER_TEST

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def manager(site):
    return member(Membership.Role.MANAGER, site=site, username="manager-live")


@pytest.fixture
def dashboard(browser: Browser, asgi_live_server, manager, site) -> Page:
    """The manager's dashboard, open on a desktop and connected."""
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    page = context.new_page()
    log_in(page, asgi_live_server.url, manager.username)
    page.wait_for_url(f"{asgi_live_server.url}/statistik/site/{site.code}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online")
    yield page
    context.close()


@pytest.fixture
def tablet(browser: Browser, asgi_live_server, staff, site) -> Page:
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="sv-SE")
    page = context.new_page()
    log_in(page, asgi_live_server.url, staff.username)
    page.wait_for_url(f"{asgi_live_server.url}/visits/{site.code}/")
    yield page
    context.close()


def visits_tile(page: Page):
    return page.locator("[data-indicator=visits]")


def test_the_dashboard_counts_a_visit_logged_on_a_tablet_without_a_reload(dashboard, tablet, tap):
    expect(visits_tile(dashboard)).to_have_attribute("data-value", "0")
    log_typical_visit(tablet, tap)
    expect(visits_tile(dashboard)).to_have_attribute("data-value", "1", timeout=3000)
    expect(dashboard.locator("[data-today=visits]")).to_have_attribute("data-value", "1")


def test_the_dashboard_says_it_is_offline_and_catches_up_when_the_network_returns(dashboard, site):
    dashboard.context.set_offline(True)
    expect(dashboard.locator("#live-status")).to_have_attribute(
        "data-state", "offline", timeout=5000
    )
    make_visit(site=site, started_at=earlier_today())
    dashboard.context.set_offline(False)
    expect(dashboard.locator("#live-status")).to_have_attribute(
        "data-state", "online", timeout=15000
    )
    expect(visits_tile(dashboard)).to_have_attribute("data-value", "1", timeout=3000)
