"""Small-cell suppression (SPEC §3) on hand-built tables, and on the engine's output."""

from __future__ import annotations

from typing import Any

import pytest

from indicators.engine import StatsTable, compute
from indicators.suppression import suppress
from tests.indicators.conftest import APRIL_30, MARCH_1

MIN_CELL = 5


def cells(
    *,
    visits: int,
    foreign: bool = True,
    people_helped: int | None = None,
    help_items: int | None = None,
    first_visit_known: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """A row (or, without key, a total) with counts, one share and one rate."""
    known = visits if first_visit_known is None else first_visit_known
    row: dict[str, Any] = {} if key is None else {"key": key, "label": key}
    return {
        **row,
        "visits": visits,
        "people_helped": visits if people_helped is None else people_helped,
        "help_items": visits if help_items is None else help_items,
        "first_visit_share": 1 / known if known else None,
        "visits_per_staffed_hour": visits / 10,
        "visits_per_1000": None,
        "_foreign_visits": visits if foreign else 0,
        "_numerators": {"first_visit_share": 1, "visits_per_staffed_hour": visits},
        "_denominators": {"first_visit_share": known, "visits_per_staffed_hour": 10},
    }


def breakdown(*rows: dict[str, Any], **total: Any) -> StatsTable:
    return StatsTable(rows=list(rows), total=cells(**total), group_by="site")


def flagged(report, indicator):
    return [(entry["key"], entry["reason"]) for entry in report if entry["indicator"] == indicator]


def test_a_small_foreign_count_is_suppressed_and_flagged():
    table, report = suppress(StatsTable(rows=[], total=cells(visits=3)), min_cell=MIN_CELL)
    assert table.total["visits"] is None
    assert {"key": None, "indicator": "visits", "reason": "primary"} in report


def test_a_count_of_exactly_the_threshold_is_published():
    table, report = suppress(StatsTable(rows=[], total=cells(visits=MIN_CELL)), min_cell=MIN_CELL)
    assert table.total["visits"] == MIN_CELL
    assert report == []


def test_zeros_are_shown():
    table, report = suppress(
        breakdown(
            cells(key="a", visits=20, help_items=0),
            cells(key="b", visits=20, help_items=0),
            visits=40,
            help_items=0,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["help_items"] for row in table.rows] == [0, 0]
    assert report == []


def test_a_share_with_a_small_denominator_is_suppressed_though_the_visits_are_many():
    table, report = suppress(
        StatsTable(rows=[], total=cells(visits=50, first_visit_known=2)), min_cell=MIN_CELL
    )
    assert table.total["visits"] == 50
    assert table.total["first_visit_share"] is None
    assert flagged(report, "first_visit_share") == [(None, "primary")]


def test_shares_and_rates_of_a_row_with_suppressed_visits_are_suppressed():
    table, _ = suppress(
        breakdown(cells(key="a", visits=3), cells(key="b", visits=30), visits=33),
        min_cell=MIN_CELL,
    )
    assert table.rows[0]["first_visit_share"] is None
    assert table.rows[0]["visits_per_staffed_hour"] is None


def test_a_rate_with_a_small_numerator_is_suppressed_and_an_undefined_one_is_not_flagged():
    table, report = suppress(
        StatsTable(rows=[], total={**cells(visits=50), "_numerators": {"visits_per_1000": 2}}),
        min_cell=MIN_CELL,
    )
    assert flagged(report, "visits_per_1000") == []
    rate = {
        **cells(visits=50),
        "visits_per_1000": 0.3,
        "_numerators": {"visits_per_1000": 2},
        "_denominators": {"visits_per_1000": 6000},
    }
    table, report = suppress(StatsTable(rows=[], total=rate), min_cell=MIN_CELL)
    assert table.total["visits_per_1000"] is None
    assert flagged(report, "visits_per_1000") == [(None, "primary")]


def test_a_lone_suppressed_cell_takes_the_next_smallest_non_zero_foreign_cell_with_it():
    table, report = suppress(
        breakdown(
            cells(key="a", visits=2),
            cells(key="b", visits=0),
            cells(key="c", visits=12),
            cells(key="d", visits=7),
            cells(key="e", visits=6, foreign=False),
            visits=27,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["visits"] for row in table.rows] == [None, 0, 12, None, 6]
    assert table.total["visits"] == 27
    assert flagged(report, "visits") == [("a", "primary"), ("d", "secondary")]


def test_the_total_is_suppressed_when_no_other_foreign_cell_can_hide_the_lone_one():
    # The owner knows its own 20, so 23 − 20 would give the other organisation's 3 away.
    table, report = suppress(
        breakdown(
            cells(key="own", visits=20, foreign=False),
            cells(key="other", visits=3),
            visits=23,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["visits"] for row in table.rows] == [20, None]
    assert table.total["visits"] is None
    assert flagged(report, "visits") == [("other", "primary"), (None, "secondary")]


def test_two_suppressed_cells_need_no_secondary_suppression():
    table, report = suppress(
        breakdown(
            cells(key="a", visits=2),
            cells(key="b", visits=4),
            cells(key="c", visits=9),
            visits=15,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["visits"] for row in table.rows] == [None, None, 9]
    assert flagged(report, "visits") == [("a", "primary"), ("b", "primary")]


def test_secondary_suppression_is_decided_per_count_indicator():
    table, report = suppress(
        breakdown(
            cells(key="a", visits=10, help_items=3),
            cells(key="b", visits=10, help_items=8),
            visits=20,
            help_items=11,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["visits"] for row in table.rows] == [10, 10]
    assert [row["help_items"] for row in table.rows] == [None, None]
    assert flagged(report, "help_items") == [("a", "primary"), ("b", "secondary")]


def test_owned_rows_are_never_suppressed():
    table, report = suppress(
        breakdown(
            cells(key="a", visits=1, first_visit_known=1, foreign=False),
            cells(key="b", visits=2, foreign=False),
            visits=3,
            foreign=False,
        ),
        min_cell=MIN_CELL,
    )
    assert [row["visits"] for row in table.rows] == [1, 2]
    assert table.rows[0]["first_visit_share"] == 1.0
    assert table.total["visits"] == 3
    assert report == []


def test_suppression_leaves_the_given_table_unchanged():
    original = breakdown(cells(key="a", visits=2), cells(key="b", visits=9), visits=11)
    suppress(original, min_cell=MIN_CELL)
    assert original.rows[0]["visits"] == 2


@pytest.mark.django_db
def test_the_owner_sees_its_site_while_the_other_sites_small_counts_are_hidden(scenario):
    table = compute(
        sites=scenario.sites,
        date_from=MARCH_1,
        date_to=APRIL_30,
        group_by="site",
        owned_organisations=[scenario.org_a],
    )
    suppressed, report = suppress(table, min_cell=MIN_CELL)
    own, other = suppressed.public()["rows"]
    assert (own["key"], own["visits"], own["first_visit_share"]) == ("ind-a", 5, 1 / 3)
    assert (other["key"], other["visits"], other["first_visit_share"]) == ("ind-b", None, None)
    # Site A's 5 are known to its owner: the total of 8 would give B's 3 away.
    assert suppressed.public()["total"]["visits"] is None
    assert [e for e in report if e["key"] is None and e["indicator"] == "visits"]


@pytest.mark.django_db
def test_open_data_suppresses_a_small_month_and_the_next_smallest_one(scenario):
    table = compute(sites=scenario.sites, date_from=MARCH_1, date_to=APRIL_30, group_by="month")
    suppressed, report = suppress(table, min_cell=MIN_CELL)
    assert [row["visits"] for row in suppressed.rows] == [None, None]
    assert suppressed.total["visits"] == 8
    assert flagged(report, "visits") == [("2026-03", "secondary"), ("2026-04", "primary")]


def test_a_row_mixing_own_visits_with_a_few_foreign_ones_hides_its_counts():
    mixed = {**cells(visits=27, key="2026-03"), "_foreign_visits": 2}
    table, report = suppress(StatsTable(rows=[], total=mixed), min_cell=MIN_CELL)
    assert table.total["visits"] is None
    assert table.total["people_helped"] is None
    assert ("visits", "primary") in {(e["indicator"], e["reason"]) for e in report}


def test_a_row_mixing_own_visits_with_many_foreign_ones_is_published():
    mixed = {**cells(visits=27, key="2026-03"), "_foreign_visits": 12}
    table, report = suppress(StatsTable(rows=[], total=mixed), min_cell=MIN_CELL)
    assert table.total["visits"] == 27
    assert report == []
