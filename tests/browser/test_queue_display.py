"""The waiting room's display calls a number live: staff press "call next" on the panel in one
browser, and the display in another (signed out, as a TV is) shows the number and the desk
without a reload. The queue's pages pass axe-core with no violations. Real WebSockets, in
Chromium."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from helpdesk.models import ServiceQueue
from tests.browser.helpers import BROWSER_TEST, TABLET, log_in, switch_to_english
from tests.helpdesk.queue_helpers import called, issue, serving
from visits.models import EService

pytestmark = BROWSER_TEST

AXE = Axe()
TV = {"width": 1920, "height": 1080}


def arrange(work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a queue workflow in a thread of its own: its live events go out as they do from the
    server (Playwright's event loop in the test's thread has no room for them)."""

    def run() -> Any:
        try:
            return work(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def display(browser: Browser, asgi_live_server, site) -> Page:
    """The display on the waiting room's TV: signed out, connected."""
    context = browser.new_context(viewport=TV, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{asgi_live_server.url}/ko/{site.code}/skarm/")
    expect(page.locator("#display-status")).to_have_attribute("data-state", "online")
    yield page
    context.close()


@pytest.fixture
def counter(browser: Browser, asgi_live_server, staff, site) -> Page:
    """A counter tablet, signed in as the site's staff."""
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="sv-SE")
    page = context.new_page()
    log_in(page, asgi_live_server.url, staff.username)
    page.wait_for_url(f"{asgi_live_server.url}/visits/{site.code}/")
    yield page
    context.close()


def open_panel(page: Page, base_url: str, site) -> None:
    page.goto(f"{base_url}/ko/{site.code}/panel/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online")


def test_the_display_shows_the_number_staff_call_on_the_panel(
    display, counter, asgi_live_server, site
):
    arrange(issue, site, 2)
    open_panel(counter, asgi_live_server.url, site)
    counter.fill("#desk", "3")
    with counter.expect_navigation():
        counter.locator("#call-next").tap()
    expect(display.locator("#latest-number")).to_have_text("A001", timeout=3000)
    expect(display.locator("#latest-desk")).to_have_text("3")
    expect(display.locator("#waiting-count")).to_have_text("1")
    expect(display.locator("#latest")).to_have_class("display-latest display-flash")


def test_the_panel_shows_a_visitor_checking_in_without_a_reload(counter, asgi_live_server, site):
    open_panel(counter, asgi_live_server.url, site)
    arrange(issue, site)
    expect(counter.locator("#waiting-list [data-ticket=A001]")).to_be_visible(timeout=3000)


def test_the_display_says_it_is_reconnecting_and_catches_up(display, site):
    display.context.set_offline(True)
    expect(display.locator("#display-status")).to_have_attribute(
        "data-state", "offline", timeout=5000
    )
    expect(display.locator("#display-status")).to_have_text("Ansluter igen…")
    arrange(called, site, "2")
    display.context.set_offline(False)
    expect(display.locator("#display-status")).to_have_attribute(
        "data-state", "online", timeout=15000
    )
    expect(display.locator("#latest-number")).to_have_text("A001", timeout=3000)


def test_the_sound_button_turns_the_chime_on_without_errors(display, site):
    errors = []
    display.on("pageerror", lambda error: errors.append(error))
    button = display.locator("#sound-toggle")
    expect(button).to_have_text("Slå på ljud")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Stäng av ljud")
    arrange(called, site, "1")
    expect(display.locator("#latest-number")).to_have_text("A001", timeout=3000)
    assert errors == []


# --- Accessibility -----------------------------------------------------------------------


def assert_no_axe_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def check_in_after_a_ticket(page: Page, base_url: str, site) -> None:
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation")
    arrange(issue, site, 2)
    page.goto(f"{base_url}/ko/{site.code}/")
    with page.expect_navigation():
        page.locator("button[name=letter][value=A]").click()
    expect(page.locator("[data-testid=issued-ticket]")).to_be_visible()


def panel_with_a_queue(page: Page, base_url: str, site) -> None:
    arrange(serving, site, "1")
    arrange(called, site, "2")
    arrange(issue, site, 3, service=EService.objects.get(code="eid.bankid"))
    open_panel(page, base_url, site)
    expect(page.locator("#waiting-list tbody tr")).to_have_count(3)


def display_after_calls(page: Page, base_url: str, site) -> None:
    arrange(serving, site, "1")
    arrange(called, site, "2")
    arrange(issue, site)
    page.goto(f"{base_url}/ko/{site.code}/skarm/")
    expect(page.locator("#display-status")).to_have_attribute("data-state", "online")
    expect(page.locator("#sound-toggle")).to_be_visible()


QUEUE_PAGES = [check_in_after_a_ticket, panel_with_a_queue, display_after_calls]


@pytest.mark.parametrize("open_page", QUEUE_PAGES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_queue_pages_have_no_axe_violations(
    counter, asgi_live_server, site, open_page, language
):
    if language == "en":
        switch_to_english(counter)
    open_page(counter, asgi_live_server.url, site)
    assert counter.locator("html").get_attribute("lang") == language
    assert_no_axe_violations(counter)
