"""The pages and states counter staff meet, each reached the way staff reach it. Shared by the
accessibility and the page-width tests, which check every state here."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone
from playwright.sync_api import Page, expect

from helpdesk.models import Case
from helpdesk.services import case_comment_add, case_transition
from organisations.models import Membership
from tests.browser.helpers import (
    freeze_server_clock,
    keep_visit_offline,
    log_in,
    log_typical_visit,
    wait_until_ready_for_offline,
)
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    SiteFactory,
    StaffingPatternFactory,
    UserFactory,
    VisitFactory,
    earlier_today,
    member,
    open_case,
)
from tests.helpdesk.appointment_helpers import at, book, colleague
from tests.helpdesk.queue_helpers import call, called, issue, serving
from visits.models import AgeBand, EService, Provider


class App:
    """What a page needs to reach its state: the browser, the server, the site and its staff,
    and pytest's `settings` and `monkeypatch` for states that change a setting or stop the
    server's clock (the live server runs in this process, so both reach it)."""

    def __init__(self, page: Page, url: str, site, staff, tap, settings, monkeypatch) -> None:
        self.page, self.url, self.site, self.staff, self.tap = page, url, site, staff, tap
        self.settings, self.monkeypatch = settings, monkeypatch

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
    expect(app.page.locator("#undo-form")).to_be_visible()


def quick_log_after_the_undo_period(app: App) -> None:
    # A one-second undo period, so the banner reaches its final state without a long wait.
    app.settings.VISIT_UNDO_SECONDS = 1
    app.log_in_as_staff()
    log_typical_visit(app.page, app.tap)
    expect(app.page.locator("#undo-form")).to_have_count(0)
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


def quick_log_asking_whether_to_discard_a_timer(app: App) -> None:
    quick_log_with_two_timers(app)
    app.page.locator("#timer-list li").first.locator("[data-action=discard]").click()
    expect(app.page.locator("#timer-list [data-action=discard-confirm]")).to_be_visible()


# Longer than any e-service in the code list, with a compound word that cannot wrap at a space.
LONG_SERVICE_SV = "Ansökan om bostadsbidrag och särskilt bidrag för barn som bor växelvis"
LONG_WORD_SV = "Arbetslöshetsförsäkringsersättningsansökan"


def todays_visits(app: App) -> None:
    """Several visits of today: one with three help items, a long e-service name, a long word, a
    colleague's visit (no edit link) and a long name in "Logged by"."""
    freeze_server_clock(app.monkeypatch)
    today = timezone.localdate()

    def at(hour: int, minute: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(today, datetime.time(hour, minute)))

    long_service = EService.objects.create(
        code="test.long",
        provider_id="forsakringskassan",
        label_sv=LONG_SERVICE_SV,
        label_en="Housing allowance and special allowance for children living in two homes",
    )
    long_word = EService.objects.create(
        code="test.word",
        provider_id="arbetsformedlingen",
        label_sv=LONG_WORD_SV,
        label_en="Unemploymentinsurancebenefitapplication",
    )
    colleague = UserFactory(username="kollega", first_name="Anna-Karin Wikström-Lindgren")
    MembershipFactory(user=colleague, site=app.site, role=Membership.Role.STAFF)
    VisitFactory(
        site=app.site,
        created_by=app.staff,
        started_at=at(9, 5),
        help=[
            ("eid.bankid", "taught", "resolved"),
            (long_service.code, "on_behalf", "partly"),
            ("1177.login", "guided", "unresolved"),
        ],
    )
    VisitFactory(
        site=app.site,
        created_by=app.staff,
        started_at=at(9, 40),
        help=[(long_word.code, "guided", "referred")],
    )
    VisitFactory(site=app.site, created_by=colleague, started_at=at(10, 0))
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/visits/{app.site.code}/today/")
    expect(app.page.locator("table tbody tr")).to_have_count(3)


def todays_visits_as_a_table(app: App) -> None:
    """The same list on a tablet held sideways, wide enough for the table's columns."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    todays_visits(app)
    expect(app.page.locator("table thead th").first).to_be_visible()


def edit_visit(app: App) -> None:
    freeze_server_clock(app.monkeypatch)
    visit = VisitFactory(
        site=app.site,
        created_by=app.staff,
        started_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/visits/visit/{visit.pk}/edit/")
    expect(app.page.locator("main form")).to_be_visible()


def accessibility_statement(app: App) -> None:
    app.page.goto(f"{app.url}/tillganglighet/")


def page_not_found(app: App) -> None:
    app.log_in_as_staff()
    response = app.page.goto(f"{app.url}/visits/{app.site.code}/no-such-page/")
    assert response is not None and response.status == 404


def _statistics_visits(app: App) -> None:
    """Visits of today at the site, varied enough to draw every chart, and two at another
    organisation's site in the same region (few enough to be hidden from an analyst)."""
    today = earlier_today()
    services = ["eid.bankid", "1177.login", "banking.swish", "skatteverket.declaration"]
    for number in range(12):
        VisitFactory(
            site=app.site,
            started_at=today,
            help=[(services[number % 4], ("info", "guided", "taught")[number % 3], "resolved")],
            barriers=[("no_eid", "skills", "trust")[number % 3]],
            age_band=AgeBand.objects.get(code=("75+", "65-74", "45-64")[number % 3]),
            gender=("woman", "man")[number % 2],
        )
    library = SiteFactory(code="bibliotek", organisation=OrganisationFactory(code="bibliotek-org"))
    VisitFactory(site=library, started_at=today)
    VisitFactory(site=library, started_at=today)


def _log_in_as(app: App, role: str, **where) -> None:
    user = member(role, username=f"{role}-statistics", **where)
    log_in(app.page, app.url, user.username)
    app.page.wait_for_url("**/statistik/**")


def dashboard_of_a_site(app: App) -> None:
    _statistics_visits(app)
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    expect(app.page.locator("[data-indicator=visits]")).to_have_attribute("data-value", "12")


def region_dashboard_with_hidden_figures(app: App) -> None:
    _statistics_visits(app)
    _log_in_as(app, Membership.Role.ANALYST, organisation=app.site.organisation)
    expect(app.page.locator("[data-indicator=visits]")).to_have_attribute("data-suppressed", "true")


def dashboard_with_a_period_error(app: App) -> None:
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    app.page.select_option("#id_period", "custom")
    app.page.fill("#id_from", "2026-04-30")
    app.page.fill("#id_to", "2026-03-01")
    with app.page.expect_navigation():
        app.page.locator(".period-form button[type=submit]").click()
    expect(app.page.locator("#error-summary")).to_be_visible()


def monthly_report(app: App) -> None:
    _statistics_visits(app)
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    with app.page.expect_navigation():
        app.page.locator(".report-link a").click()
    expect(app.page.locator("[data-indicator=visits]")).to_be_visible()


def statistics_of_ones_sites(app: App) -> None:
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/statistik/")
    expect(app.page.locator("main .site-list a")).to_have_count(1)


def statistics_table(app: App) -> None:
    _statistics_visits(app)
    _log_in_as(app, Membership.Role.ANALYST, organisation=app.site.organisation)
    with app.page.expect_navigation():
        app.page.locator(".dashboard-links a", has_text="Platser sida vid sida").click()
    expect(app.page.locator("table.stats-table tbody tr")).to_have_count(2)


def visit_list(app: App) -> None:
    _statistics_visits(app)
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    app.page.goto(f"{app.url}/visits/list/")
    expect(app.page.locator("main table tbody tr")).to_have_count(12)


def visit_list_with_an_unknown_filter(app: App) -> None:
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    app.page.goto(f"{app.url}/visits/list/?mode=telepathy")
    expect(app.page.locator("#error-summary")).to_be_visible()


def opening_hours(app: App) -> None:
    _log_in_as(app, Membership.Role.MANAGER, site=app.site)
    with app.page.expect_navigation():
        app.page.locator(".dashboard-links a", has_text="Öppettider och personal").click()
    expect(app.page.locator("main form").first).to_be_visible()


def _cases(app: App) -> list:
    """Follow-up cases at the site: one overdue and assigned, one waiting for an agency with a
    comment and a long title, one resolved."""
    agency = Provider.objects.get(code="forsakringskassan")
    overdue = open_case(app.site, assignee=app.staff, title="Kompletterande uppgifter till CSN")
    Case.objects.filter(pk=overdue.pk).update(due_date=datetime.date(2026, 1, 12))
    waiting = open_case(
        app.site, title=f"{LONG_WORD_SV} behöver kompletteras", referral_agency=agency
    )
    waiting = case_transition(case=waiting, to_status="open", actor=app.staff)
    case_comment_add(case=waiting, author=app.staff, text="Ringde handläggaren, väntar på svar.")
    waiting = case_transition(case=waiting, to_status="waiting_agency", actor=app.staff)
    resolved = case_transition(case=open_case(app.site), to_status="open", actor=app.staff)
    case_transition(case=resolved, to_status="resolved", actor=app.staff)
    return [overdue, waiting, resolved]


def case_list(app: App) -> None:
    _cases(app)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/uppfoljning/")
    expect(app.page.locator("main table tbody tr")).to_have_count(2)


def case_board(app: App) -> None:
    _cases(app)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/uppfoljning/tavla/")
    expect(app.page.locator(".board-card")).to_have_count(3)


def case_page(app: App) -> None:
    waiting = _cases(app)[1]
    app.log_in_as_staff()
    app.page.goto(f"{app.url}{waiting.get_absolute_url()}")
    expect(app.page.locator(".case-history tbody tr").first).to_be_visible()


def new_case_with_errors(app: App) -> None:
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/uppfoljning/ny/{app.site.code}/")
    app.page.fill("#id_contact_name", "Karin")
    with app.page.expect_navigation():
        app.page.locator("main form button[type=submit]").click()
    expect(app.page.locator("#error-summary")).to_be_visible()


def queue_check_in_with_a_ticket(app: App) -> None:
    issue(app.site, 3)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/ko/{app.site.code}/")
    with app.page.expect_navigation():
        app.page.locator("main form button[type=submit]").first.click()
    expect(app.page.locator(".ticket-number")).to_be_visible()


def queue_panel_with_calls(app: App) -> None:
    issue(app.site, 4)
    serving(app.site, desk="Disk 2")
    called(app.site, desk="1")
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/ko/{app.site.code}/panel/")
    expect(app.page.locator("#live-status")).to_be_visible()


def queue_display(app: App) -> None:
    """The waiting room's TV, signed out: A002 called last to desk 3, A001 earlier, one waits."""
    issue(app.site, 3)
    call(app.site, desk="1")
    call(app.site, desk="3")
    app.page.goto(f"{app.url}/ko/{app.site.code}/skarm/")
    expect(app.page.locator("#latest-number")).to_have_text("A002")


def _bookings(app: App) -> list:
    """Today (the stopped clock: Tuesday 10:30), open 09:00–16:00: Anna booked at 10:00 (not
    yet come) and 11:00, a colleague with a long name 13:00–14:00 with a long e-service."""
    freeze_server_clock(app.monkeypatch)
    today = timezone.localdate()
    StaffingPatternFactory(site=app.site, weekday=today.weekday())
    other = colleague(app.site, username="kollega-bokning", first_name="Anna-Karin")
    other.last_name = "Wikström-Lindgren"
    other.save()
    long_word = EService.objects.create(
        code="test.word",
        provider_id="arbetsformedlingen",
        label_sv=LONG_WORD_SV,
        label_en="Unemploymentinsurancebenefitapplication",
    )
    bankid = EService.objects.get(code="eid.bankid")
    return [
        book(app.site, app.staff, at(10, day=today), service=bankid),
        book(app.site, app.staff, at(11, day=today), purpose="Mobilt BankID på ny telefon"),
        book(app.site, other, at(13, day=today), minutes=60, service=long_word),
    ]


def bookings_page(app: App) -> None:
    _bookings(app)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/bokningar/{app.site.code}/")
    expect(app.page.locator(".staff-day")).to_have_count(2)


def bookings_page_with_a_refused_double_booking(app: App) -> None:
    _bookings(app)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/bokningar/{app.site.code}/")
    app.page.select_option("#id_staff", str(app.staff.pk))
    app.page.fill("#id_starts_at", "11:15")
    app.page.fill("#id_ends_at", "11:45")
    with app.page.expect_navigation():
        app.page.locator(".book-form button[type=submit]").click()
    expect(app.page.locator("#error-summary")).to_be_visible()


def booking_page(app: App) -> None:
    later = _bookings(app)[1]
    app.log_in_as_staff()
    app.page.goto(f"{app.url}{later.get_absolute_url()}")
    expect(app.page.locator("#id_starts_at")).to_be_visible()


def queue_panel_with_bookings(app: App) -> None:
    _bookings(app)
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/ko/{app.site.code}/panel/")
    expect(app.page.locator(".todays-appointments tbody tr")).to_have_count(3)


def quick_log_for_a_booking(app: App) -> None:
    first = _bookings(app)[0]
    app.log_in_as_staff()
    app.page.goto(f"{app.url}/visits/{app.site.code}/?bokning={first.pk}")
    expect(app.page.locator("#arriving-appointment")).to_be_visible()


def _offline_with_a_waiting_and_a_refused_visit(app: App) -> None:
    """Without a connection: one visit the server refused (a personal identity number in the
    note, typed offline) and one waiting to be sent."""
    context = app.page.context
    app.log_in_as_staff()
    wait_until_ready_for_offline(app.page)
    context.set_offline(True)
    keep_visit_offline(app.page, app.tap, note="Hjälpte 19121212-1212 med deklarationen")
    context.set_offline(False)
    expect(app.page.locator("#outbox-list li.outbox-refused")).to_have_count(1)
    context.set_offline(True)
    keep_visit_offline(app.page, app.tap)


def quick_log_offline_with_waiting_and_refused_visits(app: App) -> None:
    _offline_with_a_waiting_and_a_refused_visit(app)
    app.page.reload()
    expect(app.page.locator("#outbox-list li")).to_have_count(2)


def todays_visits_offline_with_waiting_visits(app: App) -> None:
    _offline_with_a_waiting_and_a_refused_visit(app)
    app.page.goto(f"{app.url}/visits/{app.site.code}/today/")
    expect(app.page.locator("#outbox-list li")).to_have_count(2)


State = Callable[[App], None]

EVERY_STATE: list[State] = [
    login_page,
    login_page_with_an_error,
    start_page_with_two_sites,
    quick_log,
    quick_log_after_a_save,
    quick_log_after_the_undo_period,
    quick_log_with_more_details_open,
    quick_log_with_a_validation_error,
    quick_log_with_two_timers,
    quick_log_asking_whether_to_discard_a_timer,
    todays_visits,
    todays_visits_as_a_table,
    edit_visit,
    accessibility_statement,
    page_not_found,
    dashboard_of_a_site,
    region_dashboard_with_hidden_figures,
    dashboard_with_a_period_error,
    monthly_report,
    statistics_of_ones_sites,
    statistics_table,
    visit_list,
    visit_list_with_an_unknown_filter,
    opening_hours,
    case_list,
    case_board,
    case_page,
    new_case_with_errors,
    queue_check_in_with_a_ticket,
    queue_panel_with_calls,
    queue_display,
    bookings_page,
    bookings_page_with_a_refused_double_booking,
    booking_page,
    queue_panel_with_bookings,
    quick_log_for_a_booking,
    quick_log_offline_with_waiting_and_refused_visits,
    todays_visits_offline_with_waiting_visits,
]
