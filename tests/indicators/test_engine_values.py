"""Every indicator on the hand-counted scenario (see conftest.py), for the total and the
breakdowns. Expected values are the arithmetic done by hand, written as fractions."""

from __future__ import annotations

from typing import Any

import pytest

from indicators.engine import compute
from tests.indicators.conftest import APRIL_30, MARCH_1

LYCKSELE_POPULATION = 12118
STORUMAN_POPULATION = 5577
STAFFED_HOURS = 6 + 7.5 + 4 + 4.5


def indicators(
    *,
    visits: int,
    people_helped: int,
    help_items: int,
    first_visit_share: float | None,
    self_reliance_share: float | None,
    on_behalf_share: float | None,
    referral_share: float | None,
    resolved_share: float | None,
    confidence_uplift: float | None,
    median_duration_min: float | None,
    age_65_plus_share: float | None,
    visits_per_1000: float | None,
    visits_per_staffed_hour: float | None,
    open_cases: int | None = 0,
    **row: Any,
) -> Any:
    """The scenario has no queue tickets and no follow-up cases: no median wait, no overdue
    share, and 0 open cases (None in a breakdown that cannot split cases, by service say)."""
    return pytest.approx(
        {
            **row,
            "visits": visits,
            "people_helped": people_helped,
            "help_items": help_items,
            "first_visit_share": first_visit_share,
            "self_reliance_share": self_reliance_share,
            "on_behalf_share": on_behalf_share,
            "referral_share": referral_share,
            "resolved_share": resolved_share,
            "confidence_uplift": confidence_uplift,
            "median_duration_min": median_duration_min,
            "age_65_plus_share": age_65_plus_share,
            "visits_per_1000": visits_per_1000,
            "visits_per_staffed_hour": visits_per_staffed_hour,
            "median_wait_min": None,
            "open_cases": open_cases,
            "overdue_case_share": None,
        }
    )


def stats(scenario, group_by: str | None, **options: Any):
    return compute(
        sites=scenario.sites,
        date_from=MARCH_1,
        date_to=APRIL_30,
        group_by=group_by,
        area_municipalities=scenario.area,
        **options,
    ).public()


TOTAL = {
    "visits": 8,
    "people_helped": 1 + 1 + 8 + 1 + 1 + 2 + 1 + 1,
    "help_items": 11,
    "first_visit_share": 4 / 6,
    "self_reliance_share": 7 / 11,
    "on_behalf_share": 2 / 11,
    "referral_share": 2 / 11,
    "resolved_share": 6 / 11,
    "confidence_uplift": (2 + 1 + 2 + 0 + 1 + 3) / 6,
    "median_duration_min": (25 + 30) / 2,
    "age_65_plus_share": 5 / 7,
    "visits_per_1000": 6 / (LYCKSELE_POPULATION + STORUMAN_POPULATION) * 1000,
    "visits_per_staffed_hour": 8 / STAFFED_HOURS,
}


def test_the_total_has_every_indicator(scenario):
    assert stats(scenario, None) == {"rows": [], "total": indicators(**TOTAL)}


@pytest.mark.parametrize(
    "group_by", ["month", "week", "site", "municipality", "service", "barrier", "age_band"]
)
def test_a_breakdown_keeps_the_total_of_the_whole_scope(scenario, group_by):
    assert stats(scenario, group_by)["total"] == indicators(**TOTAL)


def test_indicators_by_month(scenario):
    assert stats(scenario, "month")["rows"] == [
        indicators(
            key="2026-03",
            label="Mars 2026",
            visits=5,
            people_helped=1 + 1 + 8 + 1 + 1,
            help_items=7,
            first_visit_share=3 / 4,
            self_reliance_share=4 / 7,
            on_behalf_share=1 / 7,
            referral_share=2 / 7,
            resolved_share=4 / 7,
            confidence_uplift=(2 + 1 + 2 + 0) / 4,
            median_duration_min=20,
            age_65_plus_share=3 / 4,
            visits_per_1000=None,
            visits_per_staffed_hour=5 / (6 + 4),
        ),
        indicators(
            key="2026-04",
            label="April 2026",
            visits=3,
            people_helped=2 + 1 + 1,
            help_items=4,
            first_visit_share=1 / 2,
            self_reliance_share=3 / 4,
            on_behalf_share=1 / 4,
            referral_share=0 / 4,
            resolved_share=2 / 4,
            confidence_uplift=(1 + 3) / 2,
            median_duration_min=35,
            age_65_plus_share=2 / 3,
            visits_per_1000=None,
            visits_per_staffed_hour=3 / (7.5 + 4.5),
        ),
    ]


SITE_A = {
    "visits": 5,
    "people_helped": 1 + 1 + 8 + 2 + 1,
    "help_items": 8,
    "first_visit_share": 1 / 3,
    "self_reliance_share": 5 / 8,
    "on_behalf_share": 2 / 8,
    "referral_share": 1 / 8,
    "resolved_share": 4 / 8,
    "confidence_uplift": (2 + 1 + 1) / 3,
    "median_duration_min": 25,
    "age_65_plus_share": 3 / 4,
    "visits_per_staffed_hour": 5 / (6 + 7.5),
}
SITE_B = {
    "visits": 3,
    "people_helped": 3,
    "help_items": 3,
    "first_visit_share": 3 / 3,
    "self_reliance_share": 2 / 3,
    "on_behalf_share": 0 / 3,
    "referral_share": 1 / 3,
    "resolved_share": 2 / 3,
    "confidence_uplift": (2 + 0 + 3) / 3,
    "median_duration_min": 40,
    "age_65_plus_share": 2 / 3,
    "visits_per_staffed_hour": 3 / (4 + 4.5),
}


def test_indicators_by_site(scenario):
    assert stats(scenario, "site")["rows"] == [
        indicators(key="ind-a", label="Lycksele servicecenter", visits_per_1000=None, **SITE_A),
        indicators(key="ind-b", label="Storumans bibliotek", visits_per_1000=None, **SITE_B),
    ]


def test_indicators_by_municipality_relate_residents_visits_at_any_site_to_population(
    scenario,
):
    # Lycksele residents: v1, v2, v7 at A and v8 at B; Storuman residents: v4, v5.
    assert stats(scenario, "municipality")["rows"] == [
        indicators(
            key="2421",
            label="Storuman",
            visits_per_1000=2 / STORUMAN_POPULATION * 1000,
            **SITE_B,
        ),
        indicators(
            key="2481",
            label="Lycksele",
            visits_per_1000=4 / LYCKSELE_POPULATION * 1000,
            **SITE_A,
        ),
    ]


def test_indicators_by_service_count_each_visit_once_and_only_that_services_help_items(
    scenario,
):
    assert stats(scenario, "service")["rows"] == [
        indicators(
            open_cases=None,
            key="1177.login",
            label="Logga in på 1177",
            visits=2,
            people_helped=2,
            help_items=2,
            first_visit_share=1 / 2,
            self_reliance_share=0 / 2,
            on_behalf_share=1 / 2,
            referral_share=1 / 2,
            resolved_share=0 / 2,
            confidence_uplift=(1 + 0) / 2,
            median_duration_min=(15 + 20) / 2,
            age_65_plus_share=2 / 2,
            visits_per_1000=None,
            visits_per_staffed_hour=2 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="banking.swish",
            label="Swish",
            visits=2,
            people_helped=8 + 1,
            help_items=3,
            first_visit_share=None,
            self_reliance_share=3 / 3,
            on_behalf_share=0 / 3,
            referral_share=0 / 3,
            resolved_share=2 / 3,
            confidence_uplift=1 / 1,
            median_duration_min=(30 + 35) / 2,
            age_65_plus_share=1 / 1,
            visits_per_1000=None,
            visits_per_staffed_hour=2 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="eid.bankid",
            label="BankID",
            visits=4,
            people_helped=1 + 8 + 2 + 1,
            help_items=5,
            first_visit_share=2 / 3,
            self_reliance_share=3 / 5,
            on_behalf_share=1 / 5,
            referral_share=1 / 5,
            resolved_share=3 / 5,
            confidence_uplift=(2 + 3) / 2,
            median_duration_min=(25 + 30) / 2,
            age_65_plus_share=2 / 3,
            visits_per_1000=None,
            visits_per_staffed_hour=4 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="eid.freja",
            label="Freja eID",
            visits=1,
            people_helped=1,
            help_items=1,
            first_visit_share=1 / 1,
            self_reliance_share=1 / 1,
            on_behalf_share=0 / 1,
            referral_share=0 / 1,
            resolved_share=1 / 1,
            confidence_uplift=2 / 1,
            median_duration_min=40,
            age_65_plus_share=0 / 1,
            visits_per_1000=None,
            visits_per_staffed_hour=1 / STAFFED_HOURS,
        ),
    ]


def test_indicators_by_barrier_count_all_help_items_of_visits_with_that_barrier(scenario):
    assert stats(scenario, "barrier")["rows"] == [
        indicators(
            open_cases=None,
            key="language",
            label="Språksvårigheter",
            visits=1,
            people_helped=2,
            help_items=1,
            first_visit_share=0 / 1,
            self_reliance_share=0 / 1,
            on_behalf_share=1 / 1,
            referral_share=0 / 1,
            resolved_share=0 / 1,
            confidence_uplift=None,
            median_duration_min=25,
            age_65_plus_share=0 / 1,
            visits_per_1000=None,
            visits_per_staffed_hour=1 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="no_eid",
            label="Saknar e-legitimation",
            visits=3,
            people_helped=3,
            help_items=2 + 1 + 1,
            first_visit_share=3 / 3,
            self_reliance_share=4 / 4,
            on_behalf_share=0 / 4,
            referral_share=0 / 4,
            resolved_share=4 / 4,
            confidence_uplift=(2 + 2 + 3) / 3,
            median_duration_min=40,
            age_65_plus_share=2 / 3,
            visits_per_1000=None,
            visits_per_staffed_hour=3 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="skills",
            label="Ovan vid digitala tjänster",
            visits=2,
            people_helped=2,
            help_items=2 + 1,
            first_visit_share=1 / 2,
            self_reliance_share=2 / 3,
            on_behalf_share=1 / 3,
            referral_share=0 / 3,
            resolved_share=2 / 3,
            confidence_uplift=(2 + 1) / 2,
            median_duration_min=(10 + 20) / 2,
            age_65_plus_share=2 / 2,
            visits_per_1000=None,
            visits_per_staffed_hour=2 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="trust",
            label="Oro för bedrägerier",
            visits=2,
            people_helped=2,
            help_items=2 + 1,
            first_visit_share=1 / 1,
            self_reliance_share=3 / 3,
            on_behalf_share=0 / 3,
            referral_share=0 / 3,
            resolved_share=2 / 3,
            confidence_uplift=(1 + 3) / 2,
            median_duration_min=(35 + 50) / 2,
            age_65_plus_share=2 / 2,
            visits_per_1000=None,
            visits_per_staffed_hour=2 / STAFFED_HOURS,
        ),
    ]


def test_indicators_by_age_band(scenario):
    assert stats(scenario, "age_band")["rows"] == [
        indicators(
            open_cases=None,
            key="30-44",
            label="30–44",
            visits=1,
            people_helped=2,
            help_items=1,
            first_visit_share=0 / 1,
            self_reliance_share=0 / 1,
            on_behalf_share=1 / 1,
            referral_share=0 / 1,
            resolved_share=0 / 1,
            confidence_uplift=None,
            median_duration_min=25,
            age_65_plus_share=0 / 1,
            visits_per_1000=None,
            visits_per_staffed_hour=1 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="45-64",
            label="45–64",
            visits=1,
            people_helped=1,
            help_items=1,
            first_visit_share=1 / 1,
            self_reliance_share=1 / 1,
            on_behalf_share=0 / 1,
            referral_share=0 / 1,
            resolved_share=1 / 1,
            confidence_uplift=2 / 1,
            median_duration_min=40,
            age_65_plus_share=0 / 1,
            visits_per_1000=None,
            visits_per_staffed_hour=1 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="65-74",
            label="65–74",
            visits=2,
            people_helped=2,
            help_items=2,
            first_visit_share=1 / 2,
            self_reliance_share=1 / 2,
            on_behalf_share=1 / 2,
            referral_share=0 / 2,
            resolved_share=1 / 2,
            confidence_uplift=(1 + 3) / 2,
            median_duration_min=(20 + 50) / 2,
            age_65_plus_share=2 / 2,
            visits_per_1000=None,
            visits_per_staffed_hour=2 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="75+",
            label="75+",
            visits=3,
            people_helped=3,
            help_items=2 + 1 + 2,
            first_visit_share=2 / 2,
            self_reliance_share=4 / 5,
            on_behalf_share=0 / 5,
            referral_share=1 / 5,
            resolved_share=3 / 5,
            confidence_uplift=(2 + 0 + 1) / 3,
            median_duration_min=15,
            age_65_plus_share=3 / 3,
            visits_per_1000=None,
            visits_per_staffed_hour=3 / STAFFED_HOURS,
        ),
        indicators(
            open_cases=None,
            key="unknown",
            label="Okänd",
            visits=1,
            people_helped=8,
            help_items=2,
            first_visit_share=None,
            self_reliance_share=1 / 2,
            on_behalf_share=0 / 2,
            referral_share=1 / 2,
            resolved_share=1 / 2,
            confidence_uplift=None,
            median_duration_min=30,
            age_65_plus_share=None,
            visits_per_1000=None,
            visits_per_staffed_hour=1 / STAFFED_HOURS,
        ),
    ]


def test_foreign_visits_are_counted_per_row_for_the_owner(scenario):
    table = compute(
        sites=scenario.sites,
        date_from=MARCH_1,
        date_to=APRIL_30,
        group_by="service",
        owned_organisations=[scenario.org_a],
    )
    # Visits at B: v4 (freja), v5 (1177.login), v8 (bankid).
    assert [(row["key"], row["_foreign_visits"]) for row in table.rows] == [
        ("1177.login", 1),
        ("banking.swish", 0),
        ("eid.bankid", 1),
        ("eid.freja", 1),
    ]
    assert table.total["_foreign_visits"] == 3


def test_without_an_owner_every_visit_is_foreign(scenario):
    table = compute(sites=scenario.sites, date_from=MARCH_1, date_to=APRIL_30, group_by="site")
    assert [row["_foreign_visits"] for row in table.rows] == [5, 3]
    assert table.total["_foreign_visits"] == 8


def test_the_denominators_suppression_needs_are_kept_privately(scenario):
    table = compute(
        sites=scenario.sites,
        date_from=MARCH_1,
        date_to=APRIL_30,
        group_by=None,
        area_municipalities=scenario.area,
    )
    assert table.total["_denominators"] == pytest.approx(
        {
            "first_visit_share": 6,
            "self_reliance_share": 11,
            "on_behalf_share": 11,
            "referral_share": 11,
            "resolved_share": 11,
            "confidence_uplift": 6,
            "median_duration_min": 8,
            "age_65_plus_share": 7,
            "visits_per_1000": LYCKSELE_POPULATION + STORUMAN_POPULATION,
            "visits_per_staffed_hour": STAFFED_HOURS,
            "median_wait_min": 0,
            "overdue_case_share": 0,
        }
    )
    assert table.total["_numerators"]["visits_per_1000"] == 6
    assert table.total["_numerators"]["visits_per_staffed_hour"] == 8
