"""After a save the banner says once what was saved; when the undo period ends, the undo
sentence and button go, for the eye and for screen readers alike."""

from playwright.sync_api import Page, expect

from tests.browser.helpers import BROWSER_TEST, log_typical_visit

pytestmark = BROWSER_TEST

# What log_typical_visit saves: BankID, the servicevärd taught the visitor to do it ("taught").
SAVED = "Sparat: BankID – Lärde besökaren göra själv."


def spoken_text(page: Page) -> str:
    """The banner's text as a screen reader gets it: visually hidden text included."""
    return " ".join(page.locator("#undo-banner").text_content().split())


def test_the_banner_names_the_e_service_and_the_help_mode_saved(staff_page, tap):
    page = staff_page
    log_typical_visit(page, tap)

    expect(page.locator("#saved-summary")).to_have_text(SAVED)
    assert spoken_text(page).startswith(f"{SAVED} Du kan ångra det")


def test_same_again_shows_what_it_repeated(staff_page, tap):
    page = staff_page
    log_typical_visit(page, tap)

    with page.expect_navigation():
        tap(page.locator("[data-testid=same-again]"))

    expect(page.locator("#saved-summary")).to_have_text(SAVED)


def test_after_the_undo_period_the_banner_only_says_what_was_saved(staff_page, tap, settings):
    # A short period; Playwright's expect waits for the change instead of a fixed sleep.
    settings.VISIT_UNDO_SECONDS = 1
    page = staff_page
    log_typical_visit(page, tap)

    expect(page.locator("#undo-form")).to_have_count(0)
    expect(page.locator("#undo-banner")).to_be_visible()
    assert spoken_text(page) == SAVED
