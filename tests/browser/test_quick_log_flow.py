"""The quick-log screen as counter staff use it: on a tablet, by tapping, in Chromium."""

import datetime
import time
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    BROWSER_TEST,
    TABLET,
    assert_saved,
    choice,
    log_in,
    log_typical_visit,
    service_option,
)
from tests.factories import VisitFactory
from visits.models import Visit

pytestmark = BROWSER_TEST

TOUCH_TARGET_PX = 44
TOO_SMALL_JS = """(elements, minimum) => elements
  .filter((el) => el.checkVisibility() && !el.closest(".visually-hidden"))
  .map((el) => [el.getBoundingClientRect(), el.outerHTML.slice(0, 120)])
  .filter(([box]) => box.width < minimum || box.height < minimum)
  .map(([box, html]) => `${Math.round(box.width)}×${Math.round(box.height)}: ${html}`)"""


def help_items(visit: Visit) -> list[tuple[str, str, str]]:
    return [(i.service_id, i.mode_id, i.outcome_id) for i in visit.help_items.all()]


def visible_service_codes(page: Page) -> set[str]:
    options = page.locator("label.service-option").all()
    return {o.locator("input").get_attribute("value") for o in options if o.is_visible()}


def test_a_typical_visit_is_logged_in_at_most_five_taps_on_a_tablet(staff_page, tap):
    page = staff_page
    assert page.viewport_size == TABLET
    tap(service_option(page, "eid.bankid"))
    tap(choice(page, "help-0-mode", "taught"))
    tap(choice(page, "age_band", "75+"))
    with page.expect_navigation():
        tap(page.locator("#save-visit"))

    assert_saved(page)
    assert tap.count <= 5, f"logging a typical visit took {tap.count} taps"
    visit = Visit.objects.get()
    assert help_items(visit) == [("eid.bankid", "taught", "resolved")]
    assert visit.age_band_id == "75+"
    expect(page.locator("#undo-banner")).to_be_visible()


def test_undo_within_ten_seconds_removes_the_visit_and_confirms_it(staff_page, tap):
    page = staff_page
    log_typical_visit(page, tap)
    saved = time.monotonic()
    assert Visit.objects.count() == 1

    with page.expect_navigation():
        page.locator("#undo-form button").tap()

    assert time.monotonic() - saved < 10
    assert not Visit.objects.exists()
    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(page.locator("#undo-banner")).to_have_count(0)


def test_todays_list_shows_the_logged_visit_with_an_edit_link(staff_page, tap, today_url):
    page = staff_page
    log_typical_visit(page, tap)
    visit = Visit.objects.get()

    page.goto(today_url)

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("BankID")
    expect(rows.first.locator(f"a[href='/visits/visit/{visit.pk}/edit/']")).to_be_visible()


def test_two_letters_leave_only_matching_services_and_a_hidden_one_can_be_saved(staff_page, tap):
    page = staff_page
    # Freja is not among the eight services offered first, so it starts out of sight.
    expect(service_option(page, "eid.freja")).to_be_hidden()

    page.locator("#service-search").press_sequentially("ei")

    assert visible_service_codes(page) == {"eid.bankid", "eid.freja"}
    log_typical_visit(page, tap, service="eid.freja")
    assert help_items(Visit.objects.get()) == [("eid.freja", "taught", "resolved")]


def test_same_again_logs_an_identical_visit_in_one_tap(staff_page, tap):
    page = staff_page
    log_typical_visit(page, tap)
    taps_before = tap.count

    with page.expect_navigation():
        tap(page.locator("[data-testid=same-again]"))

    assert tap.count - taps_before == 1
    first, second = Visit.objects.order_by("created_at")
    assert help_items(second) == help_items(first) == [("eid.bankid", "taught", "resolved")]
    for field in ("site_id", "age_band_id", "channel_id", "language_id", "duration_min"):
        assert getattr(second, field) == getattr(first, field), field
    expect(page.locator("#undo-banner")).to_be_visible()


def test_two_timers_can_run_at_the_same_time(staff_page, tap):
    page = staff_page
    tap(page.locator("#timer-start"))
    tap(page.locator("#timer-start"))

    timers = page.locator("#timer-list li")
    expect(timers).to_have_count(2)
    expect(timers.locator(".timer-clock")).to_have_count(2)


def test_finishing_a_timer_fills_in_when_the_visit_started_and_how_long_it_took(staff_page, tap):
    page = staff_page
    # A visit that began 25 minutes ago, on a whole minute so the expected value is exact.
    started = (timezone.localtime() - datetime.timedelta(minutes=25)).replace(
        second=10, microsecond=0
    )
    page.clock.install(time=started)
    page.reload()
    tap(page.locator("#timer-start"))
    tap(page.locator("#timer-start"))
    page.clock.fast_forward("20:00")

    tap(page.locator("#timer-list li").first.locator("[data-action=finish]"))

    page.locator("#more-details > summary").click()
    expect(page.locator("#id_duration_min")).to_have_value("20")
    expect(page.locator("#id_started_at")).to_have_value(started.strftime("%Y-%m-%dT%H:%M"))


def test_saving_a_timed_visit_removes_only_that_timer(staff_page, tap):
    page = staff_page
    tap(page.locator("#timer-start"))
    tap(page.locator("#timer-start"))
    timers = page.locator("#timer-list li")
    expect(timers).to_have_count(2)
    finished, other = (li.get_attribute("data-timer") for li in timers.all())
    tap(timers.first.locator("[data-action=finish]"))
    expect(page.locator("#timer-field")).to_have_value(finished)

    log_typical_visit(page, tap)

    assert Visit.objects.count() == 1
    expect(timers).to_have_count(1)
    expect(timers.first).to_have_attribute("data-timer", other)
    page.reload()
    expect(timers).to_have_count(1)
    expect(timers.first).to_have_attribute("data-timer", other)


def after_a_save_with_a_timer_running(page: Page, tap) -> None:
    log_typical_visit(page, tap)  # the undo banner and "same again" appear
    expect(page.locator("#undo-banner")).to_be_visible()
    tap(page.locator("#timer-start"))  # a running timer brings its own buttons


def asking_whether_to_discard_a_timer(page: Page, tap) -> None:
    tap(page.locator("#timer-start"))
    tap(page.locator("#timer-list [data-action=discard]"))  # brings "Yes, discard" and "Cancel"
    expect(page.locator("#timer-list [data-action=discard-confirm]")).to_be_visible()


def with_a_validation_error(page: Page, tap) -> None:
    with page.expect_navigation():
        tap(page.locator("#save-visit"))
    expect(page.locator("#error-summary")).to_be_visible()


@pytest.mark.parametrize(
    "reach_state",
    [after_a_save_with_a_timer_running, asking_whether_to_discard_a_timer, with_a_validation_error],
    ids=lambda f: f.__name__,
)
def test_every_touch_target_on_the_quick_log_is_at_least_44_px(staff_page, tap, reach_state):
    page = staff_page
    reach_state(page, tap)
    for details in ("#more-details", "#all-services"):
        if page.locator(details).get_attribute("open") is None:
            page.locator(f"{details} > summary").click()

    # Buttons, links and choice labels in the page, header and footer, measured in one
    # round trip; hidden ones (closed, [hidden], .visually-hidden, the skip link) are skipped.
    too_small = page.locator("button, a:not(.skip-link), summary, label.choice").evaluate_all(
        TOO_SMALL_JS, TOUCH_TARGET_PX
    )
    assert not too_small, "Touch targets under 44×44 CSS px:\n" + "\n".join(too_small)


def test_login_quick_log_and_todays_list_make_no_requests_to_other_hosts(
    page, live_server, site, staff, tap, quick_log_url, today_url
):
    VisitFactory(site=site, created_by=staff)
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))

    log_in(page, live_server.url, staff.username)
    page.wait_for_url(quick_log_url)
    tap(service_option(page, "eid.bankid"))
    tap(choice(page, "help-0-mode", "taught"))
    with page.expect_navigation():
        tap(page.locator("#save-visit"))
    page.goto(today_url)
    page.wait_for_load_state("networkidle")

    own = urlsplit(live_server.url).netloc
    assert len(requested) > 4
    elsewhere = [url for url in requested if urlsplit(url).netloc != own]
    assert not elsewhere, f"Requests to other hosts: {elsewhere}"


def test_a_personal_identity_number_in_the_note_is_refused_and_the_choices_kept(staff_page, tap):
    page = staff_page
    tap(service_option(page, "eid.bankid"))
    tap(choice(page, "help-0-mode", "taught"))
    tap(choice(page, "age_band", "75+"))
    page.locator("#more-details > summary").click()
    page.fill("#id_note", "Hjälpte 19121212-1212 med BankID")

    with page.expect_navigation():
        tap(page.locator("#save-visit"))

    assert not Visit.objects.exists()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#note-anchor']")).to_be_visible()
    expect(page.locator("input[name=help-0-service][value='eid.bankid']")).to_be_checked()
