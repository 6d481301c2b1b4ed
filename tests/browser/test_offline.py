"""The tablet without a connection (issue 13), in Chromium with the network cut by Playwright:
the quick log opens offline from the service worker's copy, visits wait in the outbox and
reach the server exactly once when the connection returns."""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from organisations.models import Membership
from tests.browser.helpers import (
    BROWSER_TEST,
    choice,
    keep_visit_offline,
    log_in,
    outbox_items,
    service_option,
    wait_until_ready_for_offline,
)
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from visits.models import Visit

pytestmark = BROWSER_TEST

BULK = "**/api/v1/visits/bulk/"


@pytest.fixture
def offline_page(staff_page: Page, context: BrowserContext) -> Page:
    """The staff member's quick log, once seen online, now without a connection."""
    wait_until_ready_for_offline(staff_page)
    context.set_offline(True)
    return staff_page


def test_the_quick_log_opens_with_no_connection_after_one_visit_online(offline_page):
    offline_page.reload()
    expect(offline_page.locator("#save-visit")).to_be_visible()
    expect(offline_page.locator("#outbox-connection")).to_have_text(
        "Ingen anslutning: besöken sparas på surfplattan och skickas när anslutningen är tillbaka."
    )


def test_twenty_visits_logged_offline_reach_the_server_exactly_once(
    offline_page, context, tap, staff
):
    for _ in range(20):
        keep_visit_offline(offline_page, tap)
    offline_page.reload()
    expect(outbox_items(offline_page)).to_have_count(20)
    expect(offline_page.locator("#outbox-count")).to_have_text("20 besök väntar på att skickas.")
    assert not Visit.objects.exists()

    context.set_offline(False)

    expect(outbox_items(offline_page)).to_have_count(0)
    expect(offline_page.locator("#outbox-count")).to_have_text("Inga besök väntar på att skickas.")
    visits = Visit.objects.all()
    assert visits.count() == 20
    assert {(v.created_by, v.source) for v in visits} == {(staff, Visit.Source.COUNTER)}


def test_a_sync_cut_off_after_the_server_saved_it_is_retried_without_duplicates(
    offline_page, context, tap
):
    for _ in range(20):
        keep_visit_offline(offline_page, tap)
    answers_lost = []

    def save_then_cut(route):
        route.fetch()  # the server saves the batch; its answer never reaches the tablet
        answers_lost.append(route.request.url)
        route.abort("connectionreset")

    offline_page.route(BULK, save_then_cut, times=1)
    context.set_offline(False)

    expect(outbox_items(offline_page)).to_have_count(0, timeout=15_000)
    assert len(answers_lost) == 1
    assert Visit.objects.count() == 20


def test_a_visit_with_a_personal_identity_number_comes_back_refused_and_stays(
    offline_page, context, tap
):
    keep_visit_offline(offline_page, tap, note="Hjälpte 19121212-1212 med deklarationen")
    keep_visit_offline(offline_page, tap)
    context.set_offline(False)

    refused = offline_page.locator("#outbox-list li.outbox-refused")
    expect(refused).to_have_count(1)
    expect(outbox_items(offline_page)).to_have_count(1)
    expect(refused.locator(".outbox-message")).to_contain_text("Ta bort personnumret 19121212-****")
    assert Visit.objects.count() == 1
    offline_page.reload()
    expect(offline_page.locator("#outbox-list li.outbox-refused")).to_have_count(1)


def test_a_refused_visit_corrected_by_its_author_is_sent(offline_page, context, tap):
    keep_visit_offline(offline_page, tap, note="Hjälpte 19121212-1212 med deklarationen")
    context.set_offline(False)
    refused = offline_page.locator("#outbox-list li.outbox-refused")
    expect(refused).to_have_count(1)

    refused.locator("[data-action=edit]").click()
    offline_page.fill("[name=note]", "Hjälpte med deklarationen")
    offline_page.locator("#save-visit").click()

    expect(outbox_items(offline_page)).to_have_count(0)
    assert list(Visit.objects.values_list("note", flat=True)) == ["Hjälpte med deklarationen"]


def test_a_waiting_visit_discarded_by_its_author_is_never_sent(offline_page, context, tap):
    keep_visit_offline(offline_page, tap)
    keep_visit_offline(offline_page, tap)
    first = outbox_items(offline_page).first
    first.locator("[data-action=discard]").click()
    first.locator("[data-action=discard-confirm]").click()
    expect(outbox_items(offline_page)).to_have_count(1)

    context.set_offline(False)

    expect(outbox_items(offline_page)).to_have_count(0)
    assert Visit.objects.count() == 1


def test_another_user_on_the_same_tablet_does_not_send_the_first_users_visits(
    offline_page, context, live_server, site, staff, tap
):
    keep_visit_offline(offline_page, tap)
    keep_visit_offline(offline_page, tap)
    colleague = UserFactory(username="staff-kollega")
    MembershipFactory(user=colleague, site=site, role=Membership.Role.STAFF)
    context.clear_cookies()  # the first user's session is gone (signed out, or expired)
    context.set_offline(False)

    log_in(offline_page, live_server.url, colleague.username)
    expect(offline_page.locator("#outbox-others")).to_have_text(
        "2 besök på surfplattan väntar på att en annan användare loggar in."
    )
    expect(offline_page.locator("#outbox-count")).to_have_text("Inga besök väntar på att skickas.")
    expect(outbox_items(offline_page)).to_have_count(0)
    assert not Visit.objects.exists()

    context.clear_cookies()
    log_in(offline_page, live_server.url, staff.username)
    expect(offline_page.locator("#outbox-status")).to_have_text("2 väntande besök skickades.")
    expect(offline_page.locator("#outbox-others")).to_be_hidden()
    assert set(Visit.objects.values_list("created_by__username", flat=True)) == {staff.username}
    assert Visit.objects.count() == 2


def test_an_ended_session_asks_for_a_new_sign_in_and_keeps_the_outbox(
    offline_page, context, live_server, staff, tap
):
    keep_visit_offline(offline_page, tap)
    context.clear_cookies()  # the session ended while the tablet was offline
    context.set_offline(False)

    expect(offline_page.locator("#outbox-signed-out")).to_be_visible()
    expect(outbox_items(offline_page)).to_have_count(1)
    assert not Visit.objects.exists()

    offline_page.locator("#outbox-signed-out a").click()
    offline_page.fill("#id_username", staff.username)
    offline_page.fill("#id_password", PASSWORD)
    with offline_page.expect_navigation():
        offline_page.click("main button[type=submit]")
    expect(offline_page.locator("#outbox-status")).to_have_text("1 väntande besök skickades.")
    assert Visit.objects.count() == 1


def test_after_signing_out_the_quick_log_no_longer_opens_offline_from_the_kept_copy(
    staff_page, context, quick_log_url
):
    wait_until_ready_for_offline(staff_page)
    with staff_page.expect_navigation():
        staff_page.locator('header form[action$="logout/"] button').click()
    expect(staff_page.locator("#id_username")).to_be_visible()
    context.set_offline(True)

    with pytest.raises(PlaywrightError):
        staff_page.goto(quick_log_url)


def test_the_days_list_shows_waiting_visits_as_waiting(offline_page, tap, today_url):
    keep_visit_offline(offline_page, tap)
    offline_page.goto(today_url)
    waiting = offline_page.locator("#outbox-list li.outbox-waiting")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".badge")).to_have_text("Väntar på att skickas")


def test_a_save_the_server_answers_too_late_is_kept_and_sent_as_the_same_visit(
    staff_page, tap, quick_log_url
):
    # The server saves the visit but its answer takes longer than the screen waits: the
    # visit goes to the outbox with its id, and sending it is a duplicate, not a second visit.
    wait_until_ready_for_offline(staff_page)

    def save_then_answer_late(route):
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        # Longer than the screen waits (6 s); blocks only this test's side, not the browser.
        time.sleep(8)
        with contextlib.suppress(Exception):  # the screen stopped waiting long ago
            route.fulfill(response=response)

    staff_page.route(quick_log_url, save_then_answer_late, times=1)
    tap(service_option(staff_page, "eid.bankid"))
    tap(choice(staff_page, "help-0-mode", "taught"))
    tap(choice(staff_page, "age_band", "75+"))
    tap(staff_page.locator("#save-visit"))

    expect(staff_page.locator("#outbox-status")).to_have_text(
        "1 väntande besök skickades.", timeout=20_000
    )
    expect(outbox_items(staff_page)).to_have_count(0)
    assert Visit.objects.count() == 1
