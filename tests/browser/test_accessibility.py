"""axe-core finds no WCAG violations on any page, in any state staff meet, in both languages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.helpers import BROWSER_TEST, switch_to_english
from tests.browser.states import (
    EVERY_STATE,
    App,
    accessibility_statement,
    case_board,
    case_page,
    dashboard_of_a_site,
    edit_visit,
    login_page,
    login_page_with_an_error,
    monthly_report,
    quick_log_after_a_save,
    quick_log_after_the_undo_period,
    quick_log_asking_whether_to_discard_a_timer,
    quick_log_with_more_details_open,
    start_page_with_two_sites,
    todays_visits,
)

pytestmark = BROWSER_TEST

AXE = Axe()

KEY_PAGES_IN_ENGLISH = [
    login_page_with_an_error,
    start_page_with_two_sites,
    quick_log_after_a_save,
    quick_log_after_the_undo_period,
    quick_log_with_more_details_open,
    quick_log_asking_whether_to_discard_a_timer,
    todays_visits,
    edit_visit,
    accessibility_statement,
    dashboard_of_a_site,
    monthly_report,
    case_board,
    case_page,
]


@pytest.fixture
def app(page, live_server, site, staff, tap, settings, monkeypatch) -> App:
    return App(page, live_server.url, site, staff, tap, settings, monkeypatch)


def assert_no_axe_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("open_page", EVERY_STATE, ids=lambda f: f.__name__)
def test_page_has_no_axe_violations_in_swedish(app, open_page):
    open_page(app)
    assert app.page.locator("html").get_attribute("lang") == "sv"
    assert_no_axe_violations(app.page)


@pytest.mark.parametrize("open_page", KEY_PAGES_IN_ENGLISH, ids=lambda f: f.__name__)
def test_page_has_no_axe_violations_in_english(app, open_page):
    login_page(app)
    switch_to_english(app.page)
    open_page(app)
    assert app.page.locator("html").get_attribute("lang") == "en"
    assert_no_axe_violations(app.page)
