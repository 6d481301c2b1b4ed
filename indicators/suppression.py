"""Small-cell suppression (SPEC §3) of a `StatsTable` for someone who does not own all of
its data.

A row or total that holds any visit at a site the caller does not own (`_foreign_visits`
> 0; the engine counts every visit as foreign when nobody owns anything, the open-data
case) is *foreign* and gets:

1. primary suppression: a count of 1 … min_cell − 1 becomes null; zeros stay, since "none"
   discloses nobody; in a row that mixes the caller's own visits with 1 … min_cell − 1
   foreign ones, every count becomes null, since own − total would give the foreign part;
2. secondary suppression, in a breakdown with a published total: a lone suppressed count in
   its column could be recovered as total − the other cells (owned cells are known to the
   caller), so the next smallest non-zero foreign cell is suppressed too, or, when there is
   none, the total itself;
3. a share, mean or median whose denominator is 1 … min_cell − 1, and a rate whose numerator
   is, becomes null; so does every derived value of a row whose visits were suppressed,
   which would otherwise give the visit count back (a share of 1/2 says "2 visits").

Rows that hold only the caller's own data are never touched.
"""

from __future__ import annotations

from typing import Any, Literal

from indicators.definitions import INDICATORS
from indicators.engine import DENOMINATORS, FOREIGN_VISITS, NUMERATORS, StatsTable

Reason = Literal["primary", "secondary"]

COUNTS = tuple(code for code, i in INDICATORS.items() if i.kind == "count" and i.available)
DERIVED = tuple(code for code, i in INDICATORS.items() if i.kind != "count" and i.available)
_ORDER = {code: position for position, code in enumerate(INDICATORS)}


def suppress(table: StatsTable, *, min_cell: int) -> tuple[StatsTable, list[dict[str, Any]]]:
    """The table with suppressed cells set to null, and what was suppressed:
    `[{"key": row key or None for the total, "indicator": code, "reason": …}]`."""
    result = table.copy()
    cells: list[dict[str, Any]] = [*result.rows, result.total]
    hidden: dict[tuple[int, str], Reason] = {}

    def is_small(value: Any) -> bool:
        return value is not None and 0 < value < min_cell

    def hide(position: int, code: str, reason: Reason) -> None:
        cells[position][code] = None
        hidden[position, code] = reason

    foreign = [position for position, cells_ in enumerate(cells) if _is_foreign(cells_)]
    total_position = len(cells) - 1
    foreign_rows = [position for position in foreign if position != total_position]

    for position in foreign:
        # A row mixing the caller's data with others' gives the others' part away by
        # subtraction (the caller knows its own share), so a small foreign part hides the
        # row's counts however large they are. Every visit has at least one participant and
        # one help item, so people_helped and help_items are never smaller than visits.
        foreign_part = cells[position].get(FOREIGN_VISITS) or 0
        mixed_and_small = is_small(foreign_part) and foreign_part != cells[position].get("visits")
        for code in COUNTS:
            value = cells[position].get(code)
            if is_small(value) or (mixed_and_small and (value or 0) > 0):
                hide(position, code, "primary")

    if result.rows:
        for code in COUNTS:
            if result.total.get(code) is None:
                continue
            lone = [p for p in foreign_rows if (p, code) in hidden]
            if len(lone) != 1:
                continue
            cover = [
                p for p in foreign_rows if (p, code) not in hidden and (cells[p].get(code) or 0) > 0
            ]
            if cover:
                smallest = min(cover, key=lambda p: (cells[p][code], str(cells[p].get("key"))))
                hide(smallest, code, "secondary")
            else:
                hide(total_position, code, "secondary")

    for position in foreign:
        row = cells[position]
        visits_reason = hidden.get((position, "visits"))
        for code in DERIVED:
            if row.get(code) is None:
                continue
            kind = INDICATORS[code].kind
            basis = row.get(NUMERATORS if kind == "rate" else DENOMINATORS, {}).get(code)
            if is_small(basis):
                hide(position, code, "primary")
            elif visits_reason is not None:
                hide(position, code, visits_reason)

    report = [
        {
            "key": None if position == total_position else cells[position].get("key"),
            "indicator": code,
            "reason": reason,
        }
        for (position, code), reason in sorted(
            hidden.items(), key=lambda item: (item[0][0], _ORDER.get(item[0][1], 0))
        )
    ]
    return result, report


def _is_foreign(cells: dict[str, Any]) -> bool:
    return (cells.get(FOREIGN_VISITS) or 0) > 0
