"""Properties of suppress() on random tables: nothing small and foreign is published, and
no suppressed cell can be recomputed from the total and the published cells."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.engine import StatsTable
from indicators.suppression import suppress

COUNTS = ("visits", "people_helped", "help_items")


@st.composite
def tables(draw: st.DrawFn) -> tuple[StatsTable, int]:
    min_cell = draw(st.integers(min_value=2, max_value=10))
    rows: list[dict[str, Any]] = []
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        visits = draw(st.integers(min_value=0, max_value=25))
        rows.append(
            {
                "key": f"k{index:02d}",
                "label": f"k{index:02d}",
                "visits": visits,
                "people_helped": visits + draw(st.integers(min_value=0, max_value=12)),
                "help_items": draw(st.integers(min_value=0, max_value=30)),
                # Owned, foreign, or mixed (a month across own and others' sites).
                "_foreign_visits": draw(st.integers(min_value=0, max_value=visits)),
            }
        )
    # Rows partition the total, or (multi-valued keys) overlap it: allow some slack.
    total = {
        code: sum(row[code] for row in rows) + draw(st.integers(min_value=0, max_value=3))
        for code in (*COUNTS, "_foreign_visits")
    }
    return StatsTable(rows=rows, total=total, group_by="site" if rows else None), min_cell


def foreign(cells: dict[str, Any]) -> bool:
    return cells["_foreign_visits"] > 0


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_published_foreign_count_is_between_one_and_the_threshold(drawn):
    table, min_cell = drawn
    suppressed, _ = suppress(table, min_cell=min_cell)
    for cells in [*suppressed.rows, suppressed.total]:
        if foreign(cells):
            for code in COUNTS:
                assert cells[code] is None or cells[code] == 0 or cells[code] >= min_cell


@settings(max_examples=200, deadline=None)
@given(tables())
def test_a_suppressed_foreign_cell_is_never_alone_beside_a_published_total(drawn):
    table, min_cell = drawn
    suppressed, report = suppress(table, min_cell=min_cell)
    for code in COUNTS:
        if suppressed.total[code] is None:
            continue
        hidden = [row for row in suppressed.rows if foreign(row) and row[code] is None]
        flagged = [e for e in report if e["indicator"] == code and e["key"] is not None]
        assert len(hidden) == len(flagged)
        assert len(hidden) != 1


@settings(max_examples=200, deadline=None)
@given(tables())
def test_owned_rows_come_out_unchanged(drawn):
    table, min_cell = drawn
    suppressed, _ = suppress(table, min_cell=min_cell)
    for before, after in zip(table.rows, suppressed.rows, strict=True):
        if not foreign(before):
            assert after == before
