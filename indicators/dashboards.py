"""What a statistics dashboard shows, read from `indicators.reports` (so suppressed exactly
as the API suppresses): indicator tiles with their change against the previous period and
the same period a year earlier, today's counters, and the charts, each chart with the table
it is drawn from (shown beside it and downloadable as CSV).

Every chart is declared once in `CHARTS`; the page, the CSV download and the print report
read the same declaration."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from indicators.charts import Chart, Series, render
from indicators.definitions import INDICATORS, Indicator
from indicators.dimensions import DIMENSIONS
from indicators.engine import StatsTable
from indicators.periods import Period, PeriodKind
from indicators.reports import ReadableScope, Statistics, statistics_read
from servicecenter.live import site_generations

# The help-mode ladder, from being told where to go to doing it unaided (SPEC §2); a
# referral leaves the ladder and is stacked last.
LADDER = ("info", "on_behalf", "guided", "taught", "referred")
TOP_ROWS = 10
Direction = Literal["up", "down", "same"]


# --- Formatting -----------------------------------------------------------------------------


def format_value(indicator: Indicator, value: Any) -> str:
    """A value as a reader reads it: shares in percent, means and rates to one or two
    decimals, counts whole, all with the active language's separators."""
    if value is None:
        return "–"
    if indicator.kind == "share":
        return f"{formats.number_format(Decimal(value) * 100, 1, use_l10n=True)} %"
    if indicator.kind == "count":
        return formats.number_format(int(value), 0, use_l10n=True, force_grouping=True)
    return formats.number_format(Decimal(value), 2 if indicator.kind == "rate" else 1)


def _signed(number: str, delta: float) -> str:
    """With its sign, a true minus sign for a fall."""
    return f"+{number}" if delta > 0 else number.replace("-", "−")


def format_change(indicator: Indicator, current: Any, earlier: Any) -> tuple[str, Direction]:
    """The change from `earlier` to `current`: counts by number and percent, shares in
    percentage points, the rest by difference. The arrow follows the change as shown: a
    change that rounds to nothing is no change."""
    decimals = {"count": 0, "share": 1, "rate": 2}.get(indicator.kind, 1)
    scale = 100 if indicator.kind == "share" else 1
    delta = round((float(current) - float(earlier)) * scale, decimals)
    direction: Direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    number = _signed(
        formats.number_format(Decimal(str(delta)), decimals, force_grouping=True), delta
    )
    if indicator.kind == "share":
        return _("%(points)s percentage points") % {"points": number}, direction
    if indicator.kind == "count" and earlier:
        percent = round(delta / float(earlier) * 100)
        return f"{number} ({_signed(formats.number_format(percent, 0), percent)} %)", direction
    return number, direction


# --- Tiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    against: str  # "the previous period" / "a year earlier"
    period_label: str
    display: str | None  # None: no comparison (no data, or suppressed)
    direction: Direction | None


@dataclass(frozen=True)
class Tile:
    indicator: Indicator
    value: Any
    suppressed: bool
    changes: list[Change]

    @property
    def display(self) -> str:
        return format_value(self.indicator, self.value)

    @property
    def raw(self) -> str:
        """The value for `data-value` (SPEC §9): plain digits with a point, empty when there
        is none."""
        return "" if self.value is None else str(self.value)


def _suppressed_codes(statistics: Statistics) -> set[str]:
    return {item["indicator"] for item in statistics.suppressed if item["key"] is None}


def tiles(current: Statistics, comparisons: list[tuple[str, Period, Statistics]]) -> list[Tile]:
    """A tile for every indicator with data in the period (a value, or a suppressed one)."""
    hidden = _suppressed_codes(current)
    result = []
    for code, indicator in INDICATORS.items():
        value = current.table.total.get(code)
        if not indicator.available or (value is None and code not in hidden):
            continue
        changes = []
        for against, period, statistics in comparisons:
            earlier = statistics.table.total.get(code)
            if value is None or earlier is None:
                changes.append(Change(against, period.label, None, None))
            else:
                display, direction = format_change(indicator, value, earlier)
                changes.append(Change(against, period.label, display, direction))
        result.append(Tile(indicator, value, code in hidden, changes))
    return result


# --- Charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    heading: str
    indicator: Indicator | None = None  # formats the cells; None: a label column


@dataclass
class ChartData:
    """A chart and the table it is drawn from: `rows` hold labels and raw values, in the
    order of `columns`."""

    code: str
    chart: Chart
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def svg(self) -> SafeString:
        return render(self.chart)

    def cells(self) -> list[list[tuple[str, bool]]]:
        """The rows as shown, each cell with whether it is a number: values formatted,
        suppressed and missing ones as "–"."""
        return [
            [
                (cell, False)
                if column.indicator is None
                else (format_value(column.indicator, cell), True)
                for column, cell in zip(self.columns, row, strict=True)
            ]
            for row in self.rows
        ]


GroupBy = str | tuple[str, ...] | None


class Reader:
    """Reads a scope's statistics for one period, each breakdown once per request."""

    def __init__(self, readable: ReadableScope, period: Period) -> None:
        self.readable = readable
        self.period = period
        self._read: dict[Any, Statistics] = {}

    def read(
        self,
        group_by: GroupBy,
        period: Period | None = None,
        indicators: tuple[str, ...] | None = None,
    ) -> Statistics:
        """The statistics of the period (or another), of every indicator or of those given."""
        period = period or self.period
        key = (group_by, period.date_from, period.date_to, indicators)
        if key not in self._read:
            self._read[key] = statistics_read(
                self.readable,
                date_from=period.date_from,
                date_to=period.date_to,
                group_by=group_by,
                indicators=indicators,
            )
        return self._read[key]

    def table(
        self, group_by: GroupBy, *indicators: str, period: Period | None = None
    ) -> StatsTable:
        return self.read(group_by, period, indicators).table


@dataclass(frozen=True)
class ChartSpec:
    code: str
    title: Any  # lazy translation
    description: Any
    build: Callable[[ChartSpec, Reader], ChartData | None]


def _pivot(
    table: StatsTable, indicator: str, *, series_first: bool
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[tuple[str, str], Any]]:
    """From rows keyed (series, category) or (category, series): the categories and the
    series in key order with their labels, and the values by (series key, category key)."""
    categories: dict[str, str] = {}
    series: dict[str, str] = {}
    values: dict[tuple[str, str], Any] = {}
    for row in table.rows:
        (s_key, c_key), (s_label, c_label) = (
            (row["key"], row["label"]) if series_first else (row["key"][::-1], row["label"][::-1])
        )
        categories[c_key] = c_label
        series[s_key] = s_label
        values[s_key, c_key] = row.get(indicator)
    return sorted(categories.items()), sorted(series.items()), values


def _over_time(spec: ChartSpec, reader: Reader, indicator: str, other: str) -> ChartData | None:
    """Per site over time: lines of one indicator, with `other` in the table too."""
    table = reader.table(("site", reader.period.time_dimension), indicator, *filter(None, [other]))
    if not table.rows:
        return None
    categories, sites, values = _pivot(table, indicator, series_first=True)
    chart = Chart(
        id=spec.code,
        title=str(spec.title),
        description=str(spec.description),
        kind="lines" if len(categories) > 1 else "bars",
        categories=[label for _key, label in categories],
        series=[
            Series(key=key, label=label, values=[values.get((key, c)) for c, _l in categories])
            for key, label in sites
        ],
        value_format="decimal" if INDICATORS[indicator].kind == "rate" else "count",
    )
    columns = [
        Column(_("Period")),
        Column(_("Site")),
        Column(INDICATORS[indicator].label, INDICATORS[indicator]),
    ]
    if other:
        columns.append(Column(INDICATORS[other].label, INDICATORS[other]))
    data = ChartData(spec.code, chart, columns)
    for row in table.rows:
        site_label, time_label = row["label"]
        cells = [time_label, site_label, row.get(indicator)]
        data.rows.append(cells + ([row.get(other)] if other else []))
    return data


def visits_over_time(spec: ChartSpec, reader: Reader) -> ChartData | None:
    return _over_time(spec, reader, "visits", "people_helped")


def visits_per_staffed_hour(spec: ChartSpec, reader: Reader) -> ChartData | None:
    data = _over_time(spec, reader, "visits_per_staffed_hour", "")
    if data is None or all(row[2] is None for row in data.rows):
        return None
    return data


def help_mode_ladder(spec: ChartSpec, reader: Reader) -> ChartData | None:
    table = reader.table(("mode", reader.period.time_dimension), "help_items")
    if not table.rows:
        return None
    categories, modes, values = _pivot(table, "help_items", series_first=True)
    order = {code: position for position, code in enumerate(LADDER)}
    modes.sort(key=lambda mode: order.get(mode[0], len(order)))
    chart = Chart(
        id=spec.code,
        title=str(spec.title),
        description=str(spec.description),
        kind="stacked",
        categories=[label for _key, label in categories],
        series=[
            Series(key=key, label=label, values=[values.get((key, c)) for c, _l in categories])
            for key, label in modes
        ],
    )
    help_items = INDICATORS["help_items"]
    data = ChartData(
        spec.code,
        chart,
        [Column(_("Period")), Column(_("Help mode")), Column(help_items.label, help_items)],
    )
    for category, category_label in categories:
        for mode, mode_label in modes:
            if (mode, category) in values:
                data.rows.append([category_label, mode_label, values[mode, category]])
    return data


def _ranked(
    spec: ChartSpec,
    reader: Reader,
    *,
    dimension: str,
    indicator: str,
    heading: Any,
    top: int | None = TOP_ROWS,
    keep_order: bool = False,
) -> ChartData | None:
    """One bar per key of a dimension: the largest first (or in key order), at most `top`."""
    table = reader.table(dimension, indicator)
    rows = list(table.rows)
    if not rows:
        return None
    if not keep_order:
        rows.sort(key=lambda row: (-(row.get(indicator) or 0), row["label"]))
    rows = rows[:top] if top else rows
    measure = INDICATORS[indicator]
    chart = Chart(
        id=spec.code,
        title=str(spec.title),
        description=str(spec.description),
        kind="hbars",
        categories=[row["label"] for row in rows],
        series=[
            Series(key=indicator, label=measure.label, values=[r.get(indicator) for r in rows])
        ],
        value_format="decimal" if measure.kind == "rate" else measure.kind,
    )
    data = ChartData(spec.code, chart, [Column(str(heading)), Column(measure.label, measure)])
    data.rows = [[row["label"], row.get(indicator)] for row in rows]
    return data


def year_on_year(spec: ChartSpec, reader: Reader) -> ChartData | None:
    """The period's visits month by month (or week by week) beside the same months a
    year earlier."""
    time = reader.period.time_dimension
    earlier_period = reader.period.year_earlier()
    now = reader.table(time, "visits")
    before = reader.table(time, "visits", period=earlier_period)
    if not now.rows and not before.rows:
        return None
    keys = _period_keys(reader.period, time)
    # Each month or week beside the same month, or the week with the same number, a year
    # earlier (a month may touch six weeks one year and five the next).
    earlier_keys = [_year_before(key) for key in keys]
    now_by_key = {row["key"]: row for row in now.rows}
    before_by_key = {row["key"]: row for row in before.rows}
    labels = [now_by_key.get(key, {}).get("label") or _time_label(time, key) for key in keys]
    visits = INDICATORS["visits"]

    def values(by_key: dict[str, Any], period_keys: list[str]) -> list[Any]:
        # A period with no visits has no row: zero, unless the row is there and suppressed.
        return [by_key[key].get("visits") if key in by_key else 0 for key in period_keys]

    current_values = values(now_by_key, keys)
    earlier_values = values(before_by_key, earlier_keys)
    chart = Chart(
        id=spec.code,
        title=str(spec.title),
        description=str(spec.description),
        kind="bars",
        categories=labels,
        series=[
            Series(key="current", label=reader.period.label, values=current_values),
            Series(key="year_earlier", label=earlier_period.label, values=earlier_values),
        ],
    )
    data = ChartData(
        spec.code,
        chart,
        [
            Column(_("Period")),
            Column(reader.period.label, visits),
            Column(earlier_period.label, visits),
        ],
    )
    data.rows = [
        [label, current, earlier]
        for label, current, earlier in zip(labels, current_values, earlier_values, strict=True)
    ]
    return data


def _year_before(key: str) -> str:
    """The same month or week number a year earlier: 2026-03 → 2025-03, 2026-W12 → 2025-W12."""
    year, separator, rest = key.partition("-")
    return f"{int(year) - 1}{separator}{rest}"


def _period_keys(period: Period, time: str) -> list[str]:
    """The month or week keys of a period, in order (as the engine formats them)."""
    keys: list[str] = []
    day = period.date_from
    while day <= period.date_to:
        if time == "month":
            key = day.strftime("%Y-%m")
        else:
            year, week, _weekday = day.isocalendar()
            key = f"{year}-W{week:02d}"
        if key not in keys:
            keys.append(key)
        day += datetime.timedelta(days=1)
    return keys


def _time_label(time: str, key: str) -> str:
    return DIMENSIONS[time].labels({key})[key]


def weekday_hours(spec: ChartSpec, reader: Reader) -> ChartData | None:
    """Visits by weekday (rows) and hour (columns), to plan staffing: the hours from the
    earliest to the latest with a visit."""
    table = reader.table("weekday_hour", "visits")
    if not table.rows:
        return None
    values = {row["key"]: row.get("visits") for row in table.rows}
    hours = [int(key.split("-")[1]) for key in values]
    columns = range(min(hours), max(hours) + 1)
    weekday_names = {
        weekday: formats.date_format(datetime.date(2024, 1, weekday), "l").capitalize()
        for weekday in range(1, 8)
    }
    chart = Chart(
        id=spec.code,
        title=str(spec.title),
        description=str(spec.description),
        kind="heatmap",
        categories=[f"{hour:02d}" for hour in columns],
        series=[
            Series(
                key=str(weekday),
                label=name,
                # An hour without visits has no row: none, unless hidden.
                values=[values.get(f"{weekday}-{hour:02d}", 0) for hour in columns],
            )
            for weekday, name in weekday_names.items()
        ],
    )
    visits = INDICATORS["visits"]
    data = ChartData(
        spec.code, chart, [Column(_("Weekday")), Column(_("Hour")), Column(visits.label, visits)]
    )
    data.rows = [
        [weekday_names[int(key[0])], f"{key[2:]}–{(int(key[2:]) + 1) % 24:02d}", value]
        for key, value in sorted(values.items())
    ]
    return data


def _ranked_chart(dimension: str, indicator: str, heading: Any, **options: Any):
    def build(spec: ChartSpec, reader: Reader) -> ChartData | None:
        return _ranked(
            spec, reader, dimension=dimension, indicator=indicator, heading=heading, **options
        )

    return build


CHARTS: dict[str, ChartSpec] = {
    spec.code: spec
    for spec in [
        ChartSpec(
            "visits_over_time",
            gettext_lazy("Visits over time per site"),
            gettext_lazy("Number of visits per site in each part of the period."),
            visits_over_time,
        ),
        ChartSpec(
            "year_on_year",
            gettext_lazy("Visits compared with a year earlier"),
            gettext_lazy("Visits in each part of the period beside the same part a year earlier."),
            year_on_year,
        ),
        ChartSpec(
            "help_mode_ladder",
            gettext_lazy("How staff helped, from informing to teaching"),
            gettext_lazy(
                "Help items per help mode in each part of the period, stacked in ladder order: "
                "a growing share of guided and taught shows more self-reliance."
            ),
            help_mode_ladder,
        ),
        ChartSpec(
            "top_services",
            gettext_lazy("Most common e-services"),
            gettext_lazy("Help items per e-service, the ten most common."),
            _ranked_chart("service", "help_items", gettext_lazy("E-service")),
        ),
        ChartSpec(
            "providers",
            gettext_lazy("Agencies and providers"),
            gettext_lazy("Help items per provider of the e-service, the ten most common."),
            _ranked_chart("provider", "help_items", gettext_lazy("Provider")),
        ),
        ChartSpec(
            "barriers",
            gettext_lazy("Barriers"),
            gettext_lazy("Visits per barrier the visitor met; a visit can have several."),
            _ranked_chart("barrier", "visits", gettext_lazy("Barrier"), top=None),
        ),
        ChartSpec(
            "age_bands",
            gettext_lazy("Age bands"),
            gettext_lazy("Visits per age band."),
            _ranked_chart(
                "age_band", "visits", gettext_lazy("Age band"), top=None, keep_order=True
            ),
        ),
        ChartSpec(
            "gender",
            gettext_lazy("Gender"),
            gettext_lazy("Visits per gender."),
            _ranked_chart("gender", "visits", gettext_lazy("Gender"), top=None, keep_order=True),
        ),
        ChartSpec(
            "visits_per_1000",
            gettext_lazy("Visits per 1,000 inhabitants by municipality"),
            gettext_lazy(
                "Visits by residents of each municipality with a site in scope, per 1,000 "
                "inhabitants."
            ),
            _ranked_chart(
                "municipality", "visits_per_1000", gettext_lazy("Municipality"), top=None
            ),
        ),
        ChartSpec(
            "weekday_hours",
            gettext_lazy("Visits by weekday and hour"),
            gettext_lazy(
                "Visits per hour of each weekday over the period, darker where busier: for "
                "planning who is on duty when."
            ),
            weekday_hours,
        ),
        ChartSpec(
            "visits_per_staffed_hour",
            gettext_lazy("Visits per staffed hour"),
            gettext_lazy("Visits per staffed hour at each site in each part of the period."),
            visits_per_staffed_hour,
        ),
    ]
}


def charts(reader: Reader) -> list[ChartData]:
    return [data for spec in CHARTS.values() if (data := spec.build(spec, reader)) is not None]


# --- What a live update redraws -------------------------------------------------------------

TODAY_INDICATORS = ("visits", "people_helped", "help_items")
# Cached live figures are keyed by generation and never stale; the timeout only frees memory.
LIVE_FIGURES_SECONDS = 600


def figures(reader: Reader) -> dict[str, Any]:
    """The tiles, compared with the previous period and a year earlier, and today's
    counters."""
    period = reader.period
    today = timezone.localdate()
    comparisons = [(_("the previous period"), period.previous())]
    if period.year_earlier() != period.previous():  # a year's previous period is a year earlier
        comparisons.append((_("a year earlier"), period.year_earlier()))
    if period.includes(today):
        # A period still running is compared with as many days of the others, not with
        # whole ones: the second of the month against the first two days of the last.
        elapsed = (today - period.date_from).days + 1
        comparisons = [(label, other.first_days(elapsed)) for label, other in comparisons]
    today_statistics = reader.read(None, Period(PeriodKind.CUSTOM, today, today), TODAY_INDICATORS)
    return {
        "tiles": tiles(
            reader.read(None),
            [(label, other, reader.read(None, other)) for label, other in comparisons],
        ),
        "today": [
            tile for tile in tiles(today_statistics, []) if tile.indicator.code in TODAY_INDICATORS
        ],
        "total_visits": reader.read(None).table.total.get("visits"),
        "min_cell": settings.STATS_MIN_CELL,
    }


def live_figures_html(readable: ReadableScope, period: Period) -> str:
    """The figures a live update redraws, as HTML in the active language. Every open
    dashboard of a scope wants them at once after a change, so they are kept in the shared
    cache under the sites' generations (servicecenter.live): computed once per change for
    everyone who sees them alike, and never served after a change they do not include."""
    generations = site_generations(readable.site_codes)
    key = None
    if generations is not None:
        # Who sees what differs only by the organisations whose data one sees unsuppressed.
        owned = sorted(readable.owned_organisations.values_list("pk", flat=True))
        parts = [readable.scope, period.date_from, period.date_to, get_language()]
        parts += [timezone.localdate(), owned, generations]
        # Hashed: the parts hold spaces and brackets, which some cache backends refuse.
        key = "live:figures:" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
        with contextlib.suppress(Exception):  # the shared cache is an optimisation
            if (html := cache.get(key)) is not None:
                return html
    html = render_to_string("indicators/_figures.html", figures(Reader(readable, period)))
    if key is not None:
        with contextlib.suppress(Exception):
            cache.set(key, html, timeout=LIVE_FIGURES_SECONDS)
    return html
