"""`/api/v1/open/indicators/`: monthly indicators per municipality for anyone (issue 8 §5)."""

import datetime

import pytest
from rest_framework.test import APIClient

from organisations.models import Municipality
from tests.factories import OrganisationFactory, SiteFactory, VisitFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)
APRIL = MARCH + datetime.timedelta(days=31)
MAY = MARCH + datetime.timedelta(days=61)
SPRING = {"from": "2026-03-01", "to": "2026-05-31"}


def visits_at(site, count, *, day=MARCH, **fields):
    for _ in range(count):
        VisitFactory(site=site, started_at=day, **fields)


def open_rows(**params) -> list[dict]:
    response = APIClient().get("/api/v1/open/indicators/", {**SPRING, **params})
    assert response.status_code == 200
    return response.json()["rows"]


def test_open_indicators_need_no_key_and_are_suppressed(library_site):
    visits_at(library_site, 3)
    visits_at(library_site, 8, day=APRIL)
    visits_at(library_site, 12, day=MAY)
    rows = {row["month"]: row for row in open_rows()}
    assert rows["2026-03"]["municipality"] == "2481"
    assert rows["2026-03"]["visits"] is None  # fewer than 5
    assert rows["2026-04"]["visits"] is None  # would give March away from the total
    assert rows["2026-05"]["visits"] == 12


def test_every_row_names_its_municipality_beside_its_code(library_site):
    visits_at(library_site, 6)
    [row] = open_rows()
    assert (row["municipality"], row["municipality_name"]) == ("2481", "Lycksele")


def test_visits_per_1000_counts_the_municipalitys_residents_that_month(library_site):
    lycksele = Municipality.objects.get(code="2481")
    visits_at(library_site, 6, visitor_municipality=lycksele)
    visits_at(library_site, 5, day=APRIL, visitor_municipality=lycksele)
    visits_at(library_site, 4, day=APRIL)  # residence not given: not a resident's visit
    rows = {row["month"]: row for row in open_rows()}
    assert rows["2026-03"]["visits_per_1000"] == round(6 / lycksele.population * 1000, 2)
    assert rows["2026-04"]["visits_per_1000"] == round(5 / lycksele.population * 1000, 2)


def test_shares_are_rounded_to_four_decimals(library_site):
    visits_at(library_site, 2, help=[("eid.bankid", "taught", "resolved")])
    visits_at(library_site, 4, help=[("eid.bankid", "info", "partly")])
    [row] = open_rows()
    assert row["self_reliance_share"] == 0.3333
    assert row["resolved_share"] == 0.3333


def test_open_indicators_come_as_csv_with_the_same_columns(library_site):
    visits_at(library_site, 6)
    client = APIClient()
    params = {"from": "2026-03-01", "to": "2026-03-31"}
    json_row = client.get("/api/v1/open/indicators/", params).json()["rows"][0]
    response = client.get("/api/v1/open/indicators/", {**params, "format": "csv"})
    assert response.headers["Content-Type"].startswith("text/csv")
    header, line = response.content.decode().strip().splitlines()
    assert header.split(",") == list(json_row)
    assert line.startswith("2481,Lycksele,2026-03,6,")


def test_open_indicators_filter_by_municipality(library_site):
    visits_at(library_site, 6)
    assert open_rows(municipality="2421") == []
    assert [row["municipality"] for row in open_rows(municipality="2481")] == ["2481"]


def test_each_municipality_is_suppressed_as_if_asked_for_alone(library_site):
    storuman = SiteFactory(
        code="storuman",
        municipality=Municipality.objects.get(code="2421"),
        organisation=OrganisationFactory(),
    )
    visits_at(library_site, 3)
    visits_at(library_site, 9, day=APRIL)
    visits_at(storuman, 7)
    visits_at(storuman, 8, day=APRIL)
    together = open_rows()
    alone = open_rows(municipality="2481") + open_rows(municipality="2421")
    assert sorted(together, key=lambda row: (row["municipality"], row["month"])) == sorted(
        alone, key=lambda row: (row["municipality"], row["month"])
    )


def sites_in(count: int) -> list:
    """A site with visits in each of the first `count` municipalities of region 24."""
    municipalities = Municipality.objects.filter(region__code="24").order_by("code")[:count]
    assert len(municipalities) == count
    sites = [SiteFactory(code=f"open-{m.code}", municipality=m) for m in municipalities]
    for site in sites:
        visits_at(site, 5, visitor_municipality=site.municipality)
        visits_at(site, 6, day=APRIL)
    return sites


@pytest.mark.parametrize("municipalities", [1, 3, 15])
def test_open_data_runs_the_same_queries_for_any_number_of_municipalities(
    municipalities, django_assert_num_queries
):
    sites_in(municipalities)
    # The municipalities' names; then once for the rows (municipality and month) and once
    # for each municipality's total (the basis of its suppression): the sites' ids and
    # their regions' sites; the rollup sums, the median's histogram and staffed hours, for
    # the whole and per row; the area per row (populations, residents' visits) and the
    # municipalities' labels; the queue tickets and cases, for the whole and per row.
    with django_assert_num_queries(1 + 2 * 15):
        rows = open_rows()
    assert len(rows) == 2 * municipalities


def test_a_bad_open_data_request_is_answered_in_json_even_when_csv_was_asked():
    response = APIClient().get("/api/v1/open/indicators/", {"from": "nope", "format": "csv"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
