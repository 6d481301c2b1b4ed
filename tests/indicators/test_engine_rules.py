"""How compute() counts: periods in Swedish time, multi-valued keys without double
counting, validation, labels, privacy of the private fields, and a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from indicators.engine import GROUP_BY_CHOICES, GroupByError, compute
from organisations.models import Municipality, Site
from tests.factories import OrganisationFactory, SiteFactory, earlier_today
from tests.indicators.factories import StaffedHoursFactory, local, make_visit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 31)


@pytest.fixture
def site():
    return SiteFactory(code="ind-rules", municipality=Municipality.objects.get(code="2481"))


def visits_between(site, date_from, date_to, group_by=None):
    return compute(
        sites=Site.objects.filter(pk=site.pk),
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
    )


def test_a_visit_at_23_30_stockholm_time_on_the_last_day_counts(site):
    make_visit(site=site, started_at=local(2026, 3, 31, 23, 30))
    assert visits_between(site, DAY, DAY).total["visits"] == 1


def test_a_visit_at_00_10_stockholm_time_the_next_day_does_not_count(site):
    # 22:10 UTC on the last day: only Swedish days put it outside the period.
    make_visit(site=site, started_at=local(2026, 4, 1, 0, 10))
    assert visits_between(site, DAY, DAY).total["visits"] == 0


def test_a_visit_at_00_10_stockholm_time_on_the_first_day_counts(site):
    # 23:10 UTC the day before.
    make_visit(site=site, started_at=local(2026, 3, 31, 0, 10))
    assert visits_between(site, DAY, DAY).total["visits"] == 1


def test_a_visit_just_after_midnight_belongs_to_the_swedish_month(site):
    make_visit(site=site, started_at=local(2026, 4, 1, 0, 30))
    table = visits_between(site, DAY, datetime.date(2026, 4, 1), group_by="month")
    assert [row["key"] for row in table.rows] == ["2026-04"]


def test_weeks_are_iso_weeks_in_chronological_order(site):
    make_visit(site=site, started_at=local(2025, 12, 29))  # Monday of ISO week 2026-W01
    make_visit(site=site, started_at=local(2026, 3, 15, 23, 30))  # Sunday of W11
    make_visit(site=site, started_at=local(2026, 3, 9))  # Monday of W11
    make_visit(site=site, started_at=local(2026, 3, 16, 0, 10))  # Monday of W12
    table = visits_between(
        site, datetime.date(2025, 12, 1), datetime.date(2026, 3, 31), group_by="week"
    )
    assert [(row["key"], row["visits"]) for row in table.rows] == [
        ("2026-W01", 1),
        ("2026-W11", 2),
        ("2026-W12", 1),
    ]


def test_two_help_items_of_the_same_service_count_one_visit_and_two_help_items(site):
    make_visit(
        site=site,
        started_at=local(2026, 3, 31),
        participants=3,
        duration_min=20,
        help=[("eid.bankid", "taught", "resolved"), ("eid.bankid", "guided", "partly")],
    )
    make_visit(site=site, started_at=local(2026, 3, 31), participants=1, duration_min=40)
    (row,) = visits_between(site, DAY, DAY, group_by="service").rows
    assert (row["key"], row["visits"], row["people_helped"], row["help_items"]) == (
        "eid.bankid",
        2,
        3 + 1,
        3,
    )
    assert row["median_duration_min"] == (20 + 40) / 2


def test_a_provider_row_counts_a_visit_with_two_of_its_services_once(site):
    make_visit(
        site=site,
        started_at=local(2026, 3, 31),
        participants=2,
        help=[("eid.bankid", "taught", "resolved"), ("eid.freja", "info", "resolved")],
    )
    (row,) = visits_between(site, DAY, DAY, group_by="provider").rows
    assert (row["key"], row["label"], row["visits"], row["people_helped"]) == (
        "eid",
        "E-legitimation",
        1,
        2,
    )
    assert (row["help_items"], row["self_reliance_share"]) == (2, 1 / 2)


def test_a_mode_row_counts_only_help_items_in_that_mode(site):
    make_visit(
        site=site,
        started_at=local(2026, 3, 31),
        help=[
            ("eid.bankid", "taught", "resolved"),
            ("1177.login", "taught", "partly"),
            ("banking.swish", "on_behalf", "resolved"),
        ],
    )
    table = visits_between(site, DAY, DAY, group_by="mode")
    assert [(row["key"], row["visits"], row["help_items"]) for row in table.rows] == [
        ("on_behalf", 1, 1),
        ("taught", 1, 2),
    ]
    assert table.total["visits"] == 1
    assert table.total["help_items"] == 3


def test_visits_without_a_barrier_are_left_out_of_barrier_rows(site):
    make_visit(site=site, started_at=local(2026, 3, 31), barriers=["no_eid"])
    make_visit(site=site, started_at=local(2026, 3, 31))
    table = visits_between(site, DAY, DAY, group_by="barrier")
    assert [(row["key"], row["visits"], row["help_items"]) for row in table.rows] == [
        ("no_eid", 1, 1)
    ]
    assert table.total["visits"] == 2


def test_gender_and_channel_rows_are_keyed_by_code(site):
    make_visit(site=site, started_at=local(2026, 3, 31), gender="woman", channel="phone")
    with translation.override("en"):
        (gender,) = visits_between(site, DAY, DAY, group_by="gender").rows
        (channel,) = visits_between(site, DAY, DAY, group_by="channel").rows
    assert (gender["key"], gender["label"]) == ("woman", "Woman")
    assert (channel["key"], channel["label"]) == ("phone", "Phone")


def test_labels_follow_the_active_language(site):
    make_visit(site=site, started_at=local(2026, 3, 31), help=[("1177.login", "info", "resolved")])
    with translation.override("en"):
        (english,) = visits_between(site, DAY, DAY, group_by="service").rows
    with translation.override("sv"):
        (swedish,) = visits_between(site, DAY, DAY, group_by="service").rows
    assert (english["label"], swedish["label"]) == ("Log in to 1177", "Logga in på 1177")


def test_an_empty_period_gives_zero_counts_and_null_ratios(site):
    table = visits_between(site, DAY, DAY, group_by="month")
    assert table.rows == []
    assert table.public()["total"] == {
        "visits": 0,
        "people_helped": 0,
        "help_items": 0,
        "first_visit_share": None,
        "self_reliance_share": None,
        "on_behalf_share": None,
        "referral_share": None,
        "resolved_share": None,
        "confidence_uplift": None,
        "median_duration_min": None,
        "age_65_plus_share": None,
        "visits_per_1000": None,
        "visits_per_staffed_hour": None,
        "median_wait_min": None,
        "open_cases": 0,
        "overdue_case_share": None,
    }


def test_visits_per_1000_is_null_without_an_area(site):
    make_visit(
        site=site,
        started_at=local(2026, 3, 31),
        visitor_municipality=Municipality.objects.get(code="2481"),
    )
    assert visits_between(site, DAY, DAY).total["visits_per_1000"] is None


def test_visits_per_staffed_hour_is_null_without_staffed_hours(site):
    make_visit(site=site, started_at=local(2026, 3, 31))
    assert visits_between(site, DAY, DAY).total["visits_per_staffed_hour"] is None


def test_visits_per_staffed_hour_counts_only_the_days_in_the_period(site):
    make_visit(site=site, started_at=local(2026, 3, 31))
    StaffedHoursFactory(site=site, date=DAY, staff_hours=4)
    StaffedHoursFactory(site=site, date=datetime.date(2026, 4, 1), staff_hours=100)
    assert visits_between(site, DAY, DAY).total["visits_per_staffed_hour"] == 1 / 4


def test_visits_per_staffed_hour_leaves_out_hours_planned_after_today(site):
    today = timezone.localdate()
    make_visit(site=site, started_at=earlier_today())
    StaffedHoursFactory(site=site, date=today, staff_hours=4)
    StaffedHoursFactory(site=site, date=today + datetime.timedelta(days=1), staff_hours=8)
    month_end = today + datetime.timedelta(days=31)
    assert visits_between(site, today, month_end).total["visits_per_staffed_hour"] == 1 / 4


def test_the_public_table_has_no_private_fields(site):
    make_visit(site=site, started_at=local(2026, 3, 31))
    public = visits_between(site, DAY, DAY, group_by="site").public()
    for cells in [*public["rows"], public["total"]]:
        assert not [name for name in cells if name.startswith("_")]


def test_a_list_of_sites_works_like_a_queryset(site):
    make_visit(site=site, started_at=local(2026, 3, 31))
    table = compute(sites=[site], date_from=DAY, date_to=DAY, group_by=None)
    assert table.total["visits"] == 1


def test_an_unknown_group_by_is_refused(site):
    with pytest.raises(GroupByError, match="colour"):
        visits_between(site, DAY, DAY, group_by="colour")


def test_group_by_errors_are_value_errors():
    assert issubclass(GroupByError, ValueError)


def test_a_period_ending_before_it_starts_is_refused(site):
    with pytest.raises(ValueError):
        visits_between(site, DAY, DAY - datetime.timedelta(days=1))


def test_the_owner_of_an_organisation_queryset_sees_its_visits_as_own(site):
    other = SiteFactory(code="ind-rules-other", organisation=OrganisationFactory())
    make_visit(site=site, started_at=local(2026, 3, 31))
    make_visit(site=other, started_at=local(2026, 3, 31))
    table = compute(
        sites=Site.objects.filter(pk__in=[site.pk, other.pk]),
        date_from=DAY,
        date_to=DAY,
        group_by=None,
        owned_organisations=type(site.organisation).objects.filter(pk=site.organisation_id),
    )
    assert table.total["_foreign_visits"] == 1


# One query for the ids of the sites queryset and one for the sites of their regions (whole
# regions read the regions' histogram rows); for the total one query of the rollup sums, one
# of the median's histogram, one for staffed hours and two for the area (populations,
# residents' visits). Per breakdown the sums and the histogram grouped; staffed hours where
# they have the dimension (time and place); the area's two where a row is an area (by
# municipality); the labels where they live in a table (place and code lists).
# The help-desk's queue tickets and cases add two totals, and two breakdowns where their rows
# have the dimension (site and time); a keyed dimension does not split them.
QUERIES = {
    None: 9,
    "month": 14,
    "week": 14,
    "site": 15,
    "municipality": 17,
    "gender": 11,
    "weekday_hour": 11,
}


@pytest.mark.parametrize("group_by", [None, *GROUP_BY_CHOICES])
@pytest.mark.parametrize("visit_count", [3, 30])
def test_compute_runs_a_fixed_number_of_queries(
    site, django_assert_num_queries, group_by, visit_count
):
    other = SiteFactory(
        code="ind-rules-b", municipality=Municipality.objects.get(code="2421"), is_active=False
    )
    for number in range(visit_count):
        make_visit(
            site=(site, other)[number % 2],
            started_at=local(2026, 3, 1 + number % 28),
            age_band=("75+", "unknown", "18-29")[number % 3],
            barriers=[("no_eid", "skills", "trust")[number % 3]],
            help=[("eid.bankid", "taught", "resolved"), ("1177.login", "info", "partly")],
        )
        StaffedHoursFactory(site=site, date=datetime.date(2026, 3, 1 + number % 28))
    sites = Site.objects.filter(pk__in=[site.pk, other.pk])
    with django_assert_num_queries(QUERIES.get(group_by, 12)):
        table = compute(
            sites=sites,
            date_from=datetime.date(2026, 3, 1),
            date_to=datetime.date(2026, 3, 31),
            group_by=group_by,
            area_municipalities=Municipality.objects.filter(code__in=["2481", "2421"]),
            owned_organisations=[site.organisation],
        )
    assert table.total["visits"] == visit_count
