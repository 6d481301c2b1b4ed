"""Ways to reach and touch the app in a browser, shared by the browser test modules."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD

# A 10-inch tablet held upright at the counter.
TABLET = {"width": 800, "height": 1280}

# Every browser test talks to pytest-django's live server, so it needs a transactional
# database. The flush after a transactional test deletes the rows the data migrations seed
# (taxonomies, municipalities); serialized_rollback restores them for the tests that follow.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


# "Today" for the tests that list today's visits: 10:30 in Lycksele (09:30 UTC) on a winter
# weekday. Those tests stop the server's clock here, so a run near midnight cannot see the
# day change between arranging the visits and listing them.
FROZEN_NOW = datetime.datetime(2026, 1, 20, 9, 30, tzinfo=datetime.UTC)


def freeze_server_clock(monkeypatch, instant: datetime.datetime = FROZEN_NOW) -> None:
    """Stop Django's clock (timezone.now, and so localdate and "today") for the test and for
    the live server, which runs in a thread of the same process. The browser keeps its own."""
    monkeypatch.setattr(timezone, "now", lambda: instant)


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form. The header also holds a submit button (language)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def switch_to_english(page: Page) -> None:
    """Press the header's language button, which offers the language not shown."""
    with page.expect_navigation():
        page.click("form.language-form button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"


def service_option(page: Page, code: str) -> Locator:
    """The tappable label of one e-service button."""
    return page.locator(f"label.service-option:has(input[value='{code}'])")


def choice(page: Page, name: str, value: str) -> Locator:
    """The tappable label of a radio or checkbox (the input itself is an invisible overlay)."""
    return page.locator(f"label.choice:has(input[name='{name}'][value='{value}'])")


class Taps:
    """Taps the screen and counts every tap, so a test can state how many a task took."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, target: Locator) -> None:
        target.tap()
        self.count += 1


def log_typical_visit(page: Page, tap: Taps, service: str = "eid.bankid") -> None:
    """E-service, help mode, age band, save: the four taps of an ordinary visit."""
    tap(service_option(page, service))
    tap(choice(page, "help-0-mode", "taught"))
    tap(choice(page, "age_band", "75+"))
    with page.expect_navigation():
        tap(page.locator("#save-visit"))
    assert_saved(page)


def assert_saved(page: Page) -> None:
    """Fail with the form's own explanation when the screen came back with errors."""
    errors = page.locator("#error-summary")
    assert not errors.count(), f"The visit was not saved: {errors.inner_text()}"


def wait_until_ready_for_offline(page: Page) -> None:
    """The worker controls the page and keeps the quick log and the day's list."""
    page.wait_for_function("document.documentElement.dataset.offlineReady === 'true'")


def outbox_items(page: Page):
    return page.locator("#outbox-list li")


def keep_visit_offline(page: Page, tap, note: str = "") -> None:
    """The four taps of an ordinary visit, with no connection: the visit joins the outbox."""
    before = outbox_items(page).count()
    tap(service_option(page, "eid.bankid"))
    tap(choice(page, "help-0-mode", "taught"))
    tap(choice(page, "age_band", "75+"))
    if note:
        page.locator("#more-details summary").click()
        page.fill("[name=note]", note)
    tap(page.locator("#save-visit"))
    expect(outbox_items(page)).to_have_count(before + 1)
