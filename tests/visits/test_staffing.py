"""Issue 9 §6: managers record opening hours and staff on duty per site (a regular week with
exceptions, Swedish public holidays closed), which write the StaffedHours rows that the
indicator visits_per_staffed_hour reads."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from indicators.engine import compute
from organisations.models import Membership
from tests.factories import (
    SiteFactory,
    StaffingExceptionFactory,
    StaffingPatternFactory,
    VisitFactory,
    member,
)
from tests.indicators.factories import local
from visits.models import (
    StaffedHours,
    StaffingException,
    StaffingPattern,
    Weekday,
)
from visits.services import (
    StaffingDay,
    staffed_hours_refresh,
    staffing_exception_save,
    staffing_pattern_save,
)

pytestmark = pytest.mark.django_db

NINE = datetime.time(9, 0)
FOUR_PM = datetime.time(16, 0)


@pytest.fixture
def manager(site):
    return member(Membership.Role.MANAGER, site=site, username="manager-lycksele")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def every_day_open(site, *, staff_on_duty: int = 2) -> None:
    """09:00–16:00 on all seven weekdays, written past the workflows (no StaffedHours yet)."""
    for weekday in Weekday:
        StaffingPatternFactory(site=site, weekday=weekday, staff_on_duty=staff_on_duty)


def whole_week(*, staff_on_duty: int) -> list[StaffingDay]:
    return [
        StaffingDay(weekday=weekday, opens=NINE, closes=FOUR_PM, staff_on_duty=staff_on_duty)
        for weekday in Weekday
    ]


def staffed(site, date_from=None, date_to=None) -> dict[datetime.date, tuple[Decimal, Decimal]]:
    rows = StaffedHours.objects.filter(site=site)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    return {row.date: (row.open_hours, row.staff_hours) for row in rows}


def refresh_day(site, day: datetime.date) -> None:
    staffed_hours_refresh(site=site, date_from=day, date_to=day)


def staffing_url(site) -> str:
    return reverse("visits:staffing", args=[site.code])


def weekdays_posted(**overrides) -> dict[str, str]:
    """What the page posts for Monday to Friday 09:00–16:00 with two staff, from today."""
    data = {"action": "pattern", "effective_from": timezone.localdate().isoformat()}
    for weekday in Weekday:
        name = weekday.name.lower()
        if weekday < Weekday.SATURDAY:
            data |= {
                f"{name}-is_open": "on",
                f"{name}-opens": "09:00",
                f"{name}-closes": "16:00",
                f"{name}-staff_on_duty": "2",
            }
    data.update(overrides)
    return data


# --- From the regular week to StaffedHours --------------------------------------------------


def test_the_regular_week_gives_each_open_day_its_opening_hours_and_staff_hours(site):
    StaffingPatternFactory(site=site, weekday=Weekday.MONDAY, staff_on_duty=2)
    StaffingPatternFactory(
        site=site, weekday=Weekday.FRIDAY, closes=datetime.time(15, 30), staff_on_duty=1
    )

    written = staffed_hours_refresh(
        site=site, date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 8)
    )

    assert written == 2
    assert staffed(site) == {
        datetime.date(2026, 3, 2): (Decimal("7.00"), Decimal("14.00")),
        datetime.date(2026, 3, 6): (Decimal("6.50"), Decimal("6.50")),
    }


def test_a_regular_sunday_follows_the_weekly_pattern(site):
    StaffingPatternFactory(site=site, weekday=Weekday.SUNDAY, staff_on_duty=1)

    refresh_day(site, datetime.date(2026, 3, 8))

    assert staffed(site) == {datetime.date(2026, 3, 8): (Decimal("7.00"), Decimal("7.00"))}


@pytest.mark.parametrize(
    "holiday",
    [
        pytest.param(datetime.date(2026, 6, 19), id="Midsummer Eve"),
        pytest.param(datetime.date(2026, 12, 24), id="Christmas Eve"),
        pytest.param(datetime.date(2026, 12, 25), id="Christmas Day"),
        pytest.param(datetime.date(2026, 4, 3), id="Good Friday"),
        pytest.param(datetime.date(2026, 4, 5), id="Easter Day, a Sunday"),
        pytest.param(datetime.date(2026, 4, 6), id="Easter Monday"),
        pytest.param(datetime.date(2026, 5, 14), id="Ascension Day"),
    ],
)
def test_a_swedish_public_holiday_is_closed_by_default(site, holiday):
    every_day_open(site)
    a_week_before = holiday - datetime.timedelta(days=7)  # the same weekday, an ordinary day

    staffed_hours_refresh(site=site, date_from=a_week_before, date_to=holiday)

    assert a_week_before in staffed(site)
    assert holiday not in staffed(site)


def test_an_exception_opens_a_public_holiday(site):
    every_day_open(site)
    midsummer_eve = datetime.date(2026, 6, 19)
    StaffingExceptionFactory(
        site=site,
        date=midsummer_eve,
        closed=False,
        opens=datetime.time(10, 0),
        closes=datetime.time(14, 0),
        staff_on_duty=1,
        note="Midsommarafton",
    )

    refresh_day(site, midsummer_eve)

    assert staffed(site) == {midsummer_eve: (Decimal("4.00"), Decimal("4.00"))}


def test_an_exception_closes_a_regular_day(site):
    every_day_open(site)
    staff_training = datetime.date(2026, 3, 4)
    StaffingExceptionFactory(site=site, date=staff_training, closed=True, note="Utbildningsdag")

    staffed_hours_refresh(
        site=site, date_from=datetime.date(2026, 3, 3), date_to=datetime.date(2026, 3, 5)
    )

    assert sorted(staffed(site)) == [datetime.date(2026, 3, 3), datetime.date(2026, 3, 5)]


def test_refreshing_deletes_the_row_of_a_day_that_is_now_closed(site):
    StaffingPatternFactory(site=site, weekday=Weekday.WEDNESDAY)
    day = datetime.date(2026, 3, 4)
    refresh_day(site, day)
    StaffingPattern.objects.filter(site=site).delete()

    refresh_day(site, day)

    assert staffed(site) == {}


def test_saving_an_exception_rewrites_its_day(site, manager):
    every_day_open(site)
    day = timezone.localdate() + datetime.timedelta(days=7)

    staffing_exception_save(
        site=site,
        date=day,
        closed=False,
        opens=datetime.time(12, 0),
        closes=datetime.time(15, 0),
        staff_on_duty=3,
        note="",
        saved_by=manager,
    )

    assert staffed(site) == {day: (Decimal("3.00"), Decimal("9.00"))}


def test_a_new_pattern_leaves_the_days_before_it_applies_as_recorded(site, manager):
    today = timezone.localdate()
    applies_from = today + datetime.timedelta(days=14)
    staffing_pattern_save(
        site=site, days=whole_week(staff_on_duty=2), saved_by=manager, effective_from=today
    )
    before = staffed(site, date_to=applies_from - datetime.timedelta(days=1))

    staffing_pattern_save(
        site=site, days=whole_week(staff_on_duty=3), saved_by=manager, effective_from=applies_from
    )

    assert before and {staff for _, staff in before.values()} == {Decimal("14.00")}
    assert staffed(site, date_to=applies_from - datetime.timedelta(days=1)) == before
    after = staffed(site, date_from=applies_from)
    assert after and {staff for _, staff in after.values()} == {Decimal("21.00")}


def test_a_pattern_is_written_to_the_end_of_next_year(site, manager):
    today = timezone.localdate()

    staffing_pattern_save(site=site, days=whole_week(staff_on_duty=1), saved_by=manager)

    days = staffed(site)
    assert min(days) >= today
    assert max(days) == datetime.date(today.year + 1, 12, 30)  # New Year's Eve is closed


def test_refreshing_costs_as_many_queries_for_a_year_as_for_a_month(site):
    every_day_open(site)
    start = datetime.date(2026, 1, 1)

    with CaptureQueriesContext(connection) as month:
        staffed_hours_refresh(
            site=site, date_from=start, date_to=start + datetime.timedelta(days=29)
        )
    with CaptureQueriesContext(connection) as year:
        written = staffed_hours_refresh(
            site=site, date_from=start, date_to=start + datetime.timedelta(days=364)
        )

    # More rows than SQLite takes in one INSERT of bulk_create (999 parameters).
    assert written > 999 // 4
    assert len(year) == len(month)


def test_saving_a_pattern_is_recorded_in_the_audit_history(site, manager):
    staffing_pattern_save(
        site=site,
        days=[StaffingDay(weekday=0, opens=NINE, closes=FOUR_PM, staff_on_duty=2)],
        saved_by=manager,
    )

    entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(StaffingPattern))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == manager
    assert entry.changes["opens"] == [None, "09:00:00"]
    assert entry.changes["effective_from"] == [None, timezone.localdate().isoformat()]


# --- The page -------------------------------------------------------------------------------


def test_the_page_is_not_found_for_counter_staff(client, site, staff):
    client.force_login(staff)

    assert client.get(staffing_url(site)).status_code == 404
    assert client.post(staffing_url(site), weekdays_posted()).status_code == 404
    assert not StaffingPattern.objects.exists()


def test_the_page_is_not_found_for_a_manager_of_another_site(client, site):
    other_site = SiteFactory(code="storuman", organisation=site.organisation)
    client.force_login(member(Membership.Role.MANAGER, site=other_site))

    assert client.get(staffing_url(site)).status_code == 404


def test_the_page_shows_the_regular_week_and_the_coming_public_holidays(manager_client, site):
    StaffingPatternFactory(site=site, weekday=Weekday.MONDAY)

    response = manager_client.get(staffing_url(site))

    assert response.status_code == 200
    monday = response.context["day_forms"][0]
    assert monday["is_open"].value() is True
    assert monday["opens"].value() == NINE
    today = timezone.localdate()
    holidays = [day for day in response.context["calendar"] if day.holiday]
    assert holidays and all(
        today <= day.date < today.replace(year=today.year + 1) for day in holidays
    )
    assert not any(day.is_open for day in holidays)


def test_a_manager_saves_the_regular_week_through_the_page(manager_client, site):
    response = manager_client.post(staffing_url(site), weekdays_posted(), follow=True)

    assert response.redirect_chain == [(staffing_url(site), 302)]
    assert set(StaffingPattern.objects.filter(site=site).values_list("weekday", flat=True)) == {
        0,
        1,
        2,
        3,
        4,
    }
    days = staffed(site)
    assert days and set(days.values()) == {(Decimal("7.00"), Decimal("14.00"))}
    assert all(day.weekday() < Weekday.SATURDAY for day in days)
    assert [message.level_tag for message in response.context["messages"]] == ["success"]


def test_a_manager_adds_and_deletes_an_exception_through_the_page(manager_client, site):
    every_day_open(site)
    day = timezone.localdate() + datetime.timedelta(days=10)
    manager_client.post(
        staffing_url(site),
        {"action": "exception", "exception-date": day.isoformat(), "exception-closed": "closed"},
    )
    exception = StaffingException.objects.get(site=site, date=day)

    manager_client.post(staffing_url(site), {"action": "delete", "exception": str(exception.pk)})

    assert not StaffingException.objects.exists()
    assert staffed(site) == {day: (Decimal("7.00"), Decimal("14.00"))}


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        pytest.param(
            {"monday-closes": "08:00"},
            "closes",
            "The closing time must be after the opening time.",
            id="closes before opens",
        ),
        pytest.param(
            {"monday-staff_on_duty": "-1"},
            "staff_on_duty",
            "Enter from 0 to 10 staff on duty.",
            id="negative staff",
        ),
        pytest.param(
            {"monday-opens": "nine"},
            "opens",
            "Enter the opening time as hours and minutes, for example 09:00.",
            id="not a time",
        ),
    ],
)
def test_bad_hours_are_a_form_error_and_nothing_is_saved(
    manager_client, site, posted, field, message
):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = manager_client.post(staffing_url(site), weekdays_posted(**posted))

    assert response.status_code == 200
    assert response.context["day_forms"][0].errors[field] == [message]
    assert message in [error.message for error in response.context["error_summary"]][0]
    assert not StaffingPattern.objects.exists()
    assert not StaffedHours.objects.exists()


def test_an_exception_more_than_a_year_back_is_a_form_error_and_nothing_is_saved(
    manager_client, site
):
    long_ago = timezone.localdate() - datetime.timedelta(days=400)

    response = manager_client.post(
        staffing_url(site),
        {
            "action": "exception",
            "exception-date": long_ago.isoformat(),
            "exception-closed": "closed",
        },
    )

    assert response.status_code == 200
    assert response.context["exception_form"].errors["date"]
    assert response.context["error_summary"]
    assert not StaffingException.objects.exists()


def test_an_open_exception_without_hours_is_a_form_error(manager_client, site):
    day = timezone.localdate() + datetime.timedelta(days=3)

    response = manager_client.post(
        staffing_url(site),
        {"action": "exception", "exception-date": day.isoformat(), "exception-closed": "open"},
    )

    assert set(response.context["exception_form"].errors) == {"opens", "closes", "staff_on_duty"}
    assert not StaffingException.objects.exists()


# --- The indicator ----------------------------------------------------------------------------


def test_visits_per_staffed_hour_divides_the_visits_by_the_staff_hours_of_the_pattern(site):
    StaffingPatternFactory(site=site, weekday=Weekday.MONDAY, staff_on_duty=2)  # 14 h
    StaffingPatternFactory(site=site, weekday=Weekday.TUESDAY, staff_on_duty=1)  # 7 h
    monday, sunday = datetime.date(2026, 3, 2), datetime.date(2026, 3, 8)
    staffed_hours_refresh(site=site, date_from=monday, date_to=sunday)
    for hour in (9, 10, 11):
        VisitFactory(site=site, started_at=local(2026, 3, 2, hour))

    table = compute(
        sites=[site],
        date_from=monday,
        date_to=sunday,
        group_by=None,
        owned_organisations=[site.organisation],
    )

    assert table.total["visits_per_staffed_hour"] == pytest.approx(3 / 21)


def test_the_nightly_refresh_writes_the_coming_days_of_sites_with_a_regular_week(site):
    every_day_open(site)
    call_command("staffed_hours_refresh", stdout=io.StringIO())
    today = timezone.localdate()
    rows = StaffedHours.objects.filter(site=site)
    assert rows.filter(date=today).exists()
    # To the end of next year (New Year's Eve itself is closed).
    assert rows.latest("date").date == datetime.date(today.year + 1, 12, 30)
    assert not rows.filter(date__lt=today).exists()
