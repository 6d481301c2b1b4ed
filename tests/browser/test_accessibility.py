"""axe-core finds no WCAG violations on any page, in any state staff meet, in both languages."""

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from organisations.models import Membership
from tests.browser.helpers import (
    BROWSER_TEST,
    log_in,
    log_typical_visit,
    switch_to_english,
)
from tests.factories import MembershipFactory, SiteFactory, UserFactory, VisitFactory

pytestmark = BROWSER_TEST

AXE = Axe()


class App:
    """What a page needs to reach its state: the browser, the server, the site and its staff."""

    def __init__(self, page: Page, url: str, site, staff, tap) -> None:
        self.page, self.url, self.site, self.staff, self.tap = page, url, site, staff, tap

    def log_in_as_staff(self) -> None:
        log_in(self.page, self.url, self.staff.username)
        self.page.wait_for_url(f"{self.url}/visits/{self.site.code}/")


def login_page(app: App) -> None:
    app.page.goto(f"{app.url}/accounts/login/")


def login_page_with_an_error(app: App) -> None:
    log_in(app.page, app.url, app.staff.username, password="not-the-password")
    expect(app.page.locator("#login-errors")).to_be_visible()


def start_page_with_two_sites(app: App) -> None:
    user = UserFactory(username="staff-two-sites")
    MembershipFactory(user=user, site=app.site, role=Membership.Role.STAFF)
    MembershipFactory(user=user, site=SiteFactory(code="storuman"), role=Membership.Role.STAFF)
    log_in(app.page, app.url, user.username)
    expect(app.page.locator("main .site-list a")).to_have_count(2)


def quick_log(app: App) -> None:
    app.log_in_as_staff()


def quick_log_after_a_save(app: App) -> None:
    app.log_in_as_staff()
    log_typical_visit(app.page, app.tap)
    expect(app.page.locator("#undo-banner")).to_be_visible()


def quick_log_with_more_details_open(app: App) -> None:
    app.log_in_as_staff()
    app.page.locator("#more-details > summary").click()
    app.page.locator("#all-services > summary").click()
    expect(app.page.locator("#id_note")).to_be_visible()


def quick_log_with_a_validation_error(app: App) -> None:
    app.log_in_as_staff()
    with app.page.expect_navigation():
        app.page.locator("#save-visit").click()
    expect(app.page.locator("#error-summary")).to_be_visible()


def quick_log_with_two_timers(app: App) -> None:
    app.log_in_as_staff()
    app.page.locator("#timer-start").click()
    app.page.locator("#timer-start").click()
    expect(app.page.locator("#timer-list li")).to_have_count(2)


def todays_visits(app: App) -> None:
    VisitFactory(site=app.site, created_by=app.staff)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/visits/{app.site.code}/today/")
    expect(app.page.locator("table tbody tr")).to_have_count(1)


def edit_visit(app: App) -> None:
    visit = VisitFactory(site=app.site, created_by=app.staff)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/visits/visit/{visit.pk}/edit/")
    expect(app.page.locator("main form")).to_be_visible()


def accessibility_statement(app: App) -> None:
    app.page.goto(f"{app.url}/tillganglighet/")


PAGES: list[Callable[[App], None]] = [
    login_page,
    login_page_with_an_error,
    start_page_with_two_sites,
    quick_log,
    quick_log_after_a_save,
    quick_log_with_more_details_open,
    quick_log_with_a_validation_error,
    quick_log_with_two_timers,
    todays_visits,
    edit_visit,
    accessibility_statement,
]
KEY_PAGES_IN_ENGLISH = [
    login_page_with_an_error,
    start_page_with_two_sites,
    quick_log_after_a_save,
    quick_log_with_more_details_open,
    todays_visits,
    edit_visit,
    accessibility_statement,
]


@pytest.fixture
def app(page, live_server, site, staff, tap) -> App:
    return App(page, live_server.url, site, staff, tap)


def assert_no_axe_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("open_page", PAGES, ids=lambda f: f.__name__)
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
