"""Statistics as tables (django-tables2): one row per key of a dimension (sites side by side,
e-services, municipalities, …), a column per indicator, sortable, paginated and exported to
CSV and XLSX with the same filters. The figures are the dashboards' (indicators.reports),
suppressed alike."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy

from indicators.dashboards import format_value
from indicators.definitions import INDICATORS, Indicator

# The indicators a table shows: the available ones, help-desk and per-1,000 included where
# they have values.
TABLE_INDICATORS = [code for code, indicator in INDICATORS.items() if indicator.available]


class IndicatorColumn(tables.Column):
    """A value shown as readers read it (percent, decimals), exported raw; a suppressed or
    missing value is a dash on screen and empty in a file."""

    def __init__(self, indicator: Indicator, **kwargs: Any) -> None:
        self.indicator = indicator
        label = indicator.label
        super().__init__(
            verbose_name=label,
            default="–",
            attrs={"td": {"class": "numeric", "data-label": label}, "th": {"class": "numeric"}},
            **kwargs,
        )

    def render(self, value: Any) -> str:
        return format_value(self.indicator, value)

    def value(self, value: Any) -> Any:
        return "" if value is None else value


class BreakdownTable(tables.Table):
    """Rows of one breakdown: the row's label first, then the indicators in `codes`."""

    class Meta:
        attrs = {"class": "stats-table table-cards"}
        template_name = "includes/paginated_table.html"
        orderable = True
        empty_text = gettext_lazy("No visits in this period.")

    def __init__(
        self, rows: list[dict[str, Any]], *, heading: str, codes: list[str], **kwargs: Any
    ) -> None:
        label = tables.Column(verbose_name=heading, attrs={"td": {"data-label": heading}})
        super().__init__(
            rows,
            extra_columns=[
                ("label", label),
                *((code, IndicatorColumn(INDICATORS[code])) for code in codes),
            ],
            **kwargs,
        )


def columns_with_data(rows: list[dict[str, Any]], suppressed: list[dict[str, Any]]) -> list[str]:
    """The indicators with a value in some row, or hidden in one: a column that is empty
    because it does not apply (per 1,000 inhabitants by e-service), or a count that is zero
    in every row (open follow-up cases where the sites keep no help-desk), is left out; one
    hidden to protect individuals is shown."""
    hidden = {item["indicator"] for item in suppressed if item["key"] is not None}

    def has_data(code: str) -> bool:
        nothing = (None, 0) if INDICATORS[code].kind == "count" else (None,)
        return any(row.get(code) not in nothing for row in rows)

    return [code for code in TABLE_INDICATORS if code in hidden or has_data(code)]
