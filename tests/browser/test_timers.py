"""Visits in progress: a timer's start time belongs to the site's time zone whatever the
tablet's clock is set to, and a running timer is discarded only after a yes."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import BROWSER_TEST, TABLET, Taps, log_in, log_typical_visit
from visits.models import Visit

pytestmark = BROWSER_TEST


@pytest.fixture
def utc_tablet_page(browser: Browser, live_server, staff, quick_log_url):
    """Staff logged in on a tablet whose clock is set to UTC, not to Swedish time (the
    other tests' tablets are Swedish)."""
    context = browser.new_context(
        viewport=TABLET, has_touch=True, locale="sv-SE", timezone_id="UTC"
    )
    page = context.new_page()
    log_in(page, live_server.url, staff.username)
    page.wait_for_url(quick_log_url)
    yield page
    context.close()


def start_timer(page: Page, tap: Taps) -> tuple[datetime.datetime, datetime.datetime]:
    """Start a timer; returns the server's clock just before and just after the tap."""
    before = timezone.now()
    tap(page.locator("#timer-start"))
    expect(page.locator("#timer-list li")).to_have_count(1)
    return before, timezone.now()


def test_a_timer_on_a_tablet_set_to_utc_saves_the_visit_at_the_instant_it_was_started(
    utc_tablet_page, tap
):
    page = utc_tablet_page
    before, after = start_timer(page, tap)
    tap(page.locator("#timer-list [data-action=finish]"))

    log_typical_visit(page, tap)

    # The form holds whole minutes, so the saved start may lie up to a minute before the tap;
    # a start taken in the tablet's zone would be an hour (or two, in summer) off.
    started_at = Visit.objects.get().started_at
    assert before.replace(second=0, microsecond=0) <= started_at <= after


def test_a_timer_on_a_tablet_set_to_utc_shows_its_start_in_swedish_time(utc_tablet_page, tap):
    page = utc_tablet_page
    before, after = start_timer(page, tap)

    label = page.locator("#timer-list li").first.inner_text()
    # The minute may turn during the tap, so either side of it is right.
    shown = {f"{timezone.localtime(moment):%H:%M}" for moment in (before, after)}
    assert any(f"startade {time}" in label for time in shown), (label, shown)


def test_discard_then_cancel_keeps_the_timer(staff_page, tap):
    page = staff_page
    tap(page.locator("#timer-start"))
    timer = page.locator("#timer-list li")

    tap(timer.locator("[data-action=discard]"))
    question = timer.get_by_role("group", name="Vill du slänga timern?")
    expect(question).to_be_visible()
    tap(question.get_by_role("button", name="Avbryt"))

    expect(timer).to_have_count(1)
    expect(timer.locator("[data-action=finish]")).to_be_visible()
    page.reload()
    expect(timer).to_have_count(1)


def test_discard_then_yes_removes_the_timer(staff_page, tap):
    page = staff_page
    tap(page.locator("#timer-start"))
    timer = page.locator("#timer-list li")

    tap(timer.locator("[data-action=discard]"))
    tap(timer.get_by_role("button", name="Ja, släng"))

    expect(timer).to_have_count(0)
    expect(page.locator("#timer-status")).to_have_text("Timern har slängts.")
    page.reload()
    expect(timer).to_have_count(0)


def test_the_discard_question_can_be_answered_by_keyboard_with_focus_on_the_safe_answer(
    staff_page,
):
    page = staff_page
    page.locator("#timer-start").click()
    timer = page.locator("#timer-list li")
    discard = timer.locator("[data-action=discard]")

    discard.focus()
    page.keyboard.press("Enter")
    expect(timer.locator("[data-action=discard-cancel]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(discard).to_be_focused()
    expect(timer).to_have_count(1)

    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    expect(timer.locator("[data-action=discard-confirm]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(timer).to_have_count(0)
    expect(page.locator("#timer-start")).to_be_focused()


def test_discard_does_not_look_like_the_finish_button(staff_page, tap):
    page = staff_page
    tap(page.locator("#timer-start"))
    timer = page.locator("#timer-list li")

    def look(action: str) -> tuple[str, str]:
        return timer.locator(f"[data-action={action}]").evaluate(
            "(el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
        )

    finish_background, _ = look("finish")
    discard_background, discard_text = look("discard")
    assert discard_background != finish_background
    assert discard_text == "rgb(164, 22, 26)"  # the stylesheet's red: a destructive action
