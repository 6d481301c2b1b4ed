"""The help-desk's indicators (SPEC §7): median_wait_min over the queue's called tickets,
open_cases and overdue_case_share over the follow-up cases opened in the period; computed by
the database like the others, by site and by month, and not split by a visit's categories."""

import datetime

import pytest
from django.utils import timezone

from helpdesk.models import Case
from helpdesk.services import case_transition
from indicators.engine import compute
from organisations.models import Site
from tests.factories import SiteFactory, UserFactory, open_case
from tests.helpdesk.queue_helpers import call, issue
from tests.indicators.factories import local, make_visit

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2026, 3, 1)
MARCH_31 = datetime.date(2026, 3, 31)


def march(site, **options):
    return compute(
        sites=Site.objects.filter(pk=site.pk), date_from=MARCH_1, date_to=MARCH_31, **options
    )


@pytest.fixture
def site():
    return SiteFactory(code="hd-ind", case_prefix="HDI")


def waits(site, day: int, minutes: list[int]) -> None:
    """Tickets checked in at 09:00 on 2026-03-`day`, each called after its minutes."""
    checked_in = local(2026, 3, day, 9)
    issue(site, len(minutes), now=checked_in)
    for waited in sorted(minutes):
        call(site, desk="1", now=checked_in + datetime.timedelta(minutes=waited))


def test_median_wait_is_the_median_minutes_from_ticket_to_first_call(site):
    waits(site, 2, [4, 10, 30])
    assert march(site, group_by=None).total["median_wait_min"] == 10


def test_a_ticket_still_waiting_does_not_count_towards_the_median_wait(site):
    waits(site, 2, [4, 6])
    issue(site, 3, now=local(2026, 3, 2, 9))
    table = march(site, group_by=None)
    assert table.total["median_wait_min"] == 5
    assert table.total["_denominators"]["median_wait_min"] == 2


def test_median_wait_by_month_takes_each_months_tickets(site):
    waits(site, 2, [4, 10, 30])
    make_visit(site=site, started_at=local(2026, 3, 2, 10))
    [row] = march(site, group_by="month").rows
    assert (row["key"], row["median_wait_min"]) == ("2026-03", 10)


def opened(site, when: datetime.datetime, **fields) -> Case:
    return open_case(site, now=when, **fields)


def test_open_cases_counts_cases_opened_in_the_period_not_yet_resolved(site):
    staff = UserFactory()
    opened(site, local(2026, 3, 3, 10))
    opened(site, local(2026, 3, 4, 10))
    resolved = opened(site, local(2026, 3, 5, 10))
    for status in ("open", "resolved"):
        case_transition(case=resolved, to_status=status, actor=staff)
    opened(site, local(2026, 4, 2, 10))  # after the period
    assert march(site, group_by=None).total["open_cases"] == 2


def test_overdue_share_counts_late_resolutions_and_open_cases_past_their_due_date(site):
    staff = UserFactory()
    on_time = opened(site, local(2026, 3, 2, 10))  # normal: due 2026-03-09
    late = opened(site, local(2026, 3, 2, 10))
    for status, day in (("open", 3), ("resolved", 12)):
        case_transition(case=late, to_status=status, actor=staff, now=local(2026, 3, day, 15))
    for status, day in (("open", 3), ("resolved", 9)):
        case_transition(case=on_time, to_status=status, actor=staff, now=local(2026, 3, day, 15))
    opened(site, local(2026, 3, 2, 10))  # still open, long past 2026-03-09
    Case.objects.filter(due_date__gte=timezone.localdate()).update(due_date=MARCH_31)
    table = march(site, group_by=None)
    assert table.total["overdue_case_share"] == pytest.approx(2 / 3)
    assert table.total["_denominators"]["overdue_case_share"] == 3


def test_open_cases_by_site_are_each_sites_own(site):
    other = SiteFactory(code="hd-ind-b", case_prefix="HDB", organisation=site.organisation)
    for where in (site, site, other):
        make_visit(site=where, started_at=local(2026, 3, 3, 9))
        opened(where, local(2026, 3, 3, 10))
    table = compute(
        sites=Site.objects.filter(pk__in=[site.pk, other.pk]),
        date_from=MARCH_1,
        date_to=MARCH_31,
        group_by="site",
    )
    assert {row["key"]: row["open_cases"] for row in table.rows} == {"hd-ind": 2, "hd-ind-b": 1}


def test_a_breakdown_by_a_visits_category_does_not_split_the_cases(site):
    make_visit(site=site, started_at=local(2026, 3, 3, 9))
    opened(site, local(2026, 3, 3, 10))
    table = march(site, group_by="age_band")
    assert table.total["open_cases"] == 1
    assert {row["open_cases"] for row in table.rows} == {None}


def test_the_tables_and_the_database_agree_without_the_rollups(site):
    waits(site, 2, [4, 10, 30])
    make_visit(site=site, started_at=local(2026, 3, 2, 10))
    opened(site, local(2026, 3, 3, 10))
    from_rollups = march(site, group_by="month").public()
    from_tables = march(site, group_by="month", from_rollups=False).public()
    assert from_rollups == from_tables
