"""Median: PostgreSQL's percentile_cont and the SQLite MEDIAN aggregate give the same
values; the assertions are literals, so running the suite on both databases compares them."""

from __future__ import annotations

import pytest
from django.db.models import F, Q

from indicators.aggregates import Median, _SqliteMedian
from tests.factories import SiteFactory
from tests.indicators.factories import local, make_visit
from visits.models import Visit


def sqlite_median(values):
    aggregate = _SqliteMedian()
    for value in values:
        aggregate.step(value)
    return aggregate.finalize()


def test_the_sqlite_median_of_an_odd_count_is_the_middle_value():
    assert sqlite_median([7, 1, 3]) == 3.0


def test_the_sqlite_median_of_an_even_count_averages_the_two_middle_values():
    assert sqlite_median([4, 1, 10, 3]) == (3 + 4) / 2


def test_the_sqlite_median_ignores_nulls():
    assert sqlite_median([None, 2, None, 5]) == (2 + 5) / 2


def test_the_sqlite_median_of_no_values_is_null():
    assert sqlite_median([None]) is None


@pytest.fixture
def durations(db):
    site = SiteFactory(code="ind-median")
    for minutes, before in [(10, 1), (40, None), (25, 3), (15, 5), (33, None), (12, 2)]:
        make_visit(
            site=site,
            started_at=local(2026, 3, 2),
            duration_min=minutes,
            confidence_before=before,
        )
    return Visit.objects.filter(site=site)


def test_the_database_median_of_an_even_count_averages_the_two_middle_values(durations):
    assert durations.aggregate(m=Median("duration_min"))["m"] == (15 + 25) / 2


def test_the_database_median_of_an_odd_count_is_the_middle_value(durations):
    odd = durations.exclude(duration_min=40)
    assert odd.aggregate(m=Median("duration_min"))["m"] == 15.0


def test_the_database_median_ignores_nulls(durations):
    assert durations.aggregate(m=Median("confidence_before"))["m"] == (2 + 3) / 2


def test_the_database_median_of_no_rows_is_null(durations):
    assert durations.none().aggregate(m=Median("duration_min"))["m"] is None
    assert durations.filter(duration_min=999).aggregate(m=Median("duration_min"))["m"] is None


def test_the_database_median_honours_a_filter(durations):
    median = durations.aggregate(m=Median("duration_min", filter=Q(duration_min__lt=30)))["m"]
    assert median == (12 + 15) / 2


def test_the_database_median_of_an_expression_with_fractions(durations):
    halves = durations.aggregate(m=Median(F("duration_min") / 4.0))["m"]
    assert halves == pytest.approx((15 / 4 + 25 / 4) / 2)


def test_the_database_median_works_per_group(durations):
    rows = durations.values("confidence_before").annotate(m=Median("duration_min")).order_by()
    assert {row["confidence_before"]: row["m"] for row in rows} == {
        1: 10.0,
        2: 12.0,
        3: 25.0,
        5: 15.0,
        None: (33 + 40) / 2,
    }
