"""The dimension registry (indicators/dimensions.py): one entry per dimension."""

import datetime

import pytest
from django.utils import translation

from indicators import dimensions, rollups
from indicators.engine import GroupByError, compute
from indicators.rollups import rollup_differences, rollup_rebuild
from organisations.models import Municipality, Site
from tests.factories import SiteFactory
from tests.indicators.factories import local, make_visit
from visits.models import Language

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def language_dimension(monkeypatch):
    """A dimension added as one entry, as a developer would add it."""
    language = dimensions.VisitFieldDimension("language", field="language_id", code_list=Language)
    monkeypatch.setitem(dimensions.DIMENSIONS, "language", language)
    # The compiled cell queries are built once per process from the registry.
    rollups._compiled_cell_queries.cache_clear()
    yield language
    rollups._compiled_cell_queries.cache_clear()


def test_a_dimension_added_as_one_entry_is_rolled_up_and_computed_like_the_others(
    language_dimension,
):
    site = SiteFactory(code="dim-a", municipality=Municipality.objects.get(code="2481"))
    for number, code in enumerate(["sv", "sv", "fi", "ar", "sv"]):
        make_visit(
            site=site,
            started_at=local(2026, 3, 2 + number, 10),
            language=Language.objects.get(code=code),
            duration_min=10 + number,
        )
    sites = Site.objects.filter(pk=site.pk)
    rolled = compute(sites=sites, date_from=MARCH[0], date_to=MARCH[1], group_by="language")
    exact = compute(
        sites=sites, date_from=MARCH[0], date_to=MARCH[1], group_by="language", from_rollups=False
    )
    assert rolled.rows == exact.rows
    assert {row["key"]: row["visits"] for row in rolled.rows} == {"sv": 3, "fi": 1, "ar": 1}
    assert rollup_differences() == []
    rollup_rebuild()
    assert rollup_differences() == []


def test_keys_are_labelled_in_the_active_language():
    site = SiteFactory(code="dim-b")
    make_visit(
        site=site, started_at=local(2026, 3, 2, 10), help=[("eid.bankid", "taught", "resolved")]
    )
    sites = Site.objects.filter(pk=site.pk)
    with translation.override("en"):
        english = compute(sites=sites, date_from=MARCH[0], date_to=MARCH[1], group_by="mode")
    with translation.override("sv"):
        swedish = compute(sites=sites, date_from=MARCH[0], date_to=MARCH[1], group_by="mode")
    assert english.rows[0]["label"] != swedish.rows[0]["label"]
    assert english.rows[0]["key"] == swedish.rows[0]["key"] == "taught"


def test_a_breakdown_by_two_keyed_dimensions_is_refused_with_a_reason():
    with translation.override("en"), pytest.raises(GroupByError, match="at most one"):
        compute(
            sites=Site.objects.none(),
            date_from=MARCH[0],
            date_to=MARCH[1],
            group_by=("service", "barrier"),
        )


def test_the_resident_municipality_is_no_group_by_choice():
    with translation.override("en"), pytest.raises(GroupByError, match="Unknown group_by"):
        compute(
            sites=Site.objects.none(), date_from=MARCH[0], date_to=MARCH[1], group_by="resident"
        )


def test_a_combined_breakdown_keys_and_labels_rows_by_tuples():
    site = SiteFactory(code="dim-c", municipality=Municipality.objects.get(code="2481"))
    make_visit(site=site, started_at=local(2026, 3, 2, 10))
    make_visit(site=site, started_at=local(2026, 4, 2, 10))
    table = compute(
        sites=Site.objects.filter(pk=site.pk),
        date_from=MARCH[0],
        date_to=datetime.date(2026, 4, 30),
        group_by=("municipality", "month"),
    )
    assert [(row["key"], row["label"]) for row in table.rows] == [
        (("2481", "2026-03"), ("Lycksele", "Mars 2026")),
        (("2481", "2026-04"), ("Lycksele", "April 2026")),
    ]


def test_weekday_and_hour_are_read_in_swedish_time():
    site = SiteFactory(code="dim-hour")
    # Tuesday 31 March 2026, 23:30 in Sweden, is 21:30 UTC.
    make_visit(site=site, started_at=local(2026, 3, 31, 23, 30))
    table = compute(
        sites=Site.objects.filter(pk=site.pk),
        date_from=MARCH[0],
        date_to=MARCH[1],
        group_by="weekday_hour",
    )
    assert [(row["key"], row["label"], row["visits"]) for row in table.rows] == [
        ("2-23", "tisdag 23–00", 1)
    ]
