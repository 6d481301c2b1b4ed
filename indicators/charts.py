"""Server-side charts: data in, one accessible inline `<svg>` element out.

Why on the server: the dashboards must work under a strict Content-Security-Policy, with no
third-party host and without JavaScript, and every chart has a data table beside it (SPEC §9).
An SVG built here is plain markup that the table can be checked against.

Rules every chart follows, and why:

- No `style` attribute, no `<style>` element, no script: the CSP forbids inline styles and
  scripts. Looks come from SVG presentation attributes, and from classes that
  `static/css/charts.css` styles.
- Colour is never the only cue: series take Okabe–Ito colours (distinguishable with the
  common colour-vision deficiencies) *and* a pattern (bars) or a marker shape and dash (lines);
  heatmap cells print their value. Charts stay readable in greyscale print.
- Every mark (bar, point, cell) has its own `<title>`, so pointing at it shows its value; a
  suppressed value (None) draws no mark but a small "–" whose title says the value is hidden,
  so a missing bar is not read as zero.
- Labels come from the database: all text goes through `format_html`, never concatenation.
- Output is deterministic: element ids derive from the chart id, so a page can hold several
  charts and tests can compare markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Kind = Literal["bars", "stacked", "hbars", "lines", "heatmap"]
ValueFormat = Literal["count", "share", "rate", "decimal"]
Value = float | int | Decimal | None

KINDS: tuple[str, ...] = ("bars", "stacked", "hbars", "lines", "heatmap")
VALUE_FORMATS: tuple[str, ...] = ("count", "share", "rate", "decimal")

# Okabe & Ito (2008), ordered so that the first four (the most common number of series) are
# far apart for every kind of colour-vision deficiency.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
PATTERNS: tuple[str, ...] = (
    "solid",
    "diagonal",
    "dots",
    "crosshatch",
    "horizontal",
    "vertical",
    "backdiagonal",
    "grid",
)
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "triangle-down", "plus")
DASHES: tuple[str | None, ...] = (None, "6 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2")

INK = "#1b1f24"  # text and outlines: 16:1 on white
MUTED = "#4a535e"  # tick labels: 7.6:1 on white
GRID = "#d5dbe1"
PAPER = "#ffffff"
# Heatmap ramp, light to dark in one hue (the project's blue), so order survives greyscale.
HEAT_STOPS: tuple[tuple[float, str], ...] = ((0.0, "#eef4fb"), (0.5, "#4f8cc9"), (1.0, "#08306b"))

WIDTH = 640  # internal viewBox width; CSS scales the svg to its container
PAD = 8
FONT = 12
SMALL_FONT = 11
CHAR_W = 7.0  # estimated advance of one character at FONT px; SVG text cannot be measured here
PLOT_HEIGHT = 240  # vertical charts
X_LABEL_CHARS = 16
ROW_LABEL_CHARS = 28
HEAT_ROW_LABEL_CHARS = 14
LEGEND_LABEL_CHARS = 30
HEAT_CELL_HEIGHT = 28
HIDDEN_MARK = "–"

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category of the chart."""

    key: str  # stable code, e.g. "lycksele" or "guided"
    label: str  # shown in the legend, already translated
    values: list[Value]  # one per category; None = suppressed or no data


@dataclass(frozen=True)
class Chart:
    """What to draw. Validated on creation, so a mistake shows where the chart is built."""

    id: str  # unique on the page: prefixes every element id
    title: str
    description: str  # one sentence for screen readers (<desc>)
    kind: Kind
    categories: list[str]  # x axis; rows of hbars; heatmap columns
    series: list[Series]  # heatmap: one series per row
    value_format: ValueFormat = "count"  # share: 0..1 shown as percent

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"chart id {self.id!r} must be a letter then letters, digits, - or _")
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        if self.value_format not in VALUE_FORMATS:
            raise ValueError(f"unknown value format {self.value_format!r}")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.key!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories"
                )


# ---------------------------------------------------------------------------------------------
# Numbers


def format_value(
    value: float | int | Decimal, value_format: ValueFormat, decimals: int | None = None
) -> str:
    """A value as the active language writes it (Swedish: decimal comma, space-grouped).

    Public so that the data table beside a chart can show exactly what the chart's titles
    show. Shares (0..1) are written as percent with a no-break space, "45 %", as Swedish
    and SI write it.
    """
    number = float(value)
    if value_format == "share":
        number *= 100
    if decimals is None:
        decimals = {"count": 0, "share": 1, "rate": 1, "decimal": 2}[value_format]
    number = round(number, decimals)
    if number == 0:
        number = 0.0  # never "-0"
    text = number_format(number, decimal_pos=decimals, force_grouping=True)
    return f"{text}\u00a0%" if value_format == "share" else text


def nice_ticks(low: float, high: float, *, integer: bool = False) -> list[float]:
    """Four to six round tick values (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [low, high].

    The axis always includes zero, so bars are drawn from a true baseline and lengths can be
    compared. `integer` keeps counts from getting ticks such as 0.5 visits. An empty or
    all-zero range gives the axis 0–1: just its two ends for counts, in fifths otherwise.
    """
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        if integer:
            return [0.0, 1.0]
        high = 1.0
    span = high - low
    first = last = 0
    step = 1.0
    exponent = math.floor(math.log10(span / 6)) - 1
    found = False
    while not found:
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            step = mantissa * 10.0**exponent
            if integer and (step < 1 or not float(step).is_integer()):
                continue
            first = math.floor(low / step + 1e-9)
            last = math.ceil(high / step - 1e-9)
            if last - first + 1 <= 6:
                found = True
                break
        exponent += 1
    while last - first + 1 < 4:
        # Grow away from zero on the side the data lies.
        if high > 0 or low == 0:
            last += 1
        else:
            first -= 1
    return [_clean_float(k * step) for k in range(first, last + 1)]


def _clean_float(number: float) -> float:
    """Drop binary noise (0.30000000000000004) so tick labels and tests see round values."""
    number = round(number, 10)
    return 0.0 if number == 0 else number


def _tick_decimals(ticks: Sequence[float], value_format: ValueFormat) -> int:
    """The fewest decimals that still tell every tick apart exactly."""
    factor = 100 if value_format == "share" else 1
    for decimals in range(0, 6):
        if all(abs(t * factor - round(t * factor, decimals)) < 1e-6 for t in ticks):
            return decimals
    return 6


def _as_float(value: Value) -> float | None:
    """None stays None (hidden); Decimals from the database and NaN are handled here once."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


# ---------------------------------------------------------------------------------------------
# Geometry


@dataclass(frozen=True)
class _Axis:
    """Maps values to pixels along one direction; `start` is where the first tick lies."""

    ticks: tuple[float, ...]
    start: float
    end: float

    def at(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.start + (value - low) / (high - low) * (self.end - self.start)


@dataclass(frozen=True)
class _Bands:
    """Equal slots along the category direction; `start` is the left (or top) edge."""

    count: int
    start: float
    size: float  # width of one slot

    def centre(self, index: int) -> float:
        return self.start + (index + 0.5) * self.size

    def edge(self, index: int) -> float:
        return self.start + index * self.size


def _n(number: float) -> str:
    """An SVG coordinate: always a dot as decimal sign (never localised), at most 2 decimals."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, size: float = FONT) -> float:
    return len(text) * CHAR_W * size / FONT


def _truncate(text: str, max_chars: int) -> str:
    """Shorten to `max_chars` with an ellipsis; the caller keeps the full text in a <title>."""
    max_chars = max(max_chars, 1)
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…"


def _label_step(labels: Sequence[str], slot: float) -> tuple[int, int]:
    """(show every n-th label, max characters) so horizontal labels never overlap.

    53 weekly labels on 560 px get every fifth label; five long e-service names get all five,
    cut to fit their slot.
    """
    if not labels or slot <= 0:
        return 1, X_LABEL_CHARS
    longest = min(max(len(label) for label in labels), X_LABEL_CHARS)
    step = max(1, math.ceil((longest * CHAR_W + 8) / slot))
    fits = int((slot * step - 8) // CHAR_W)
    return step, max(1, min(X_LABEL_CHARS, fits))


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _ink_on(colour: str) -> str:
    """Black or white, whichever contrasts more; either way at least 4.58:1 (WCAG AA)."""
    return "#000000" if _contrast(colour, "#000000") >= _contrast(colour, PAPER) else PAPER


def _heat_colour(t: float) -> str:
    """A colour on the light-to-dark ramp for t in 0..1 (piecewise linear in sRGB)."""
    t = min(max(t, 0.0), 1.0)
    for (t0, c0), (t1, c1) in zip(HEAT_STOPS, HEAT_STOPS[1:], strict=False):
        if t <= t1:
            f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            rgb = [
                round(
                    int(c0[i : i + 2], 16) + f * (int(c1[i : i + 2], 16) - int(c0[i : i + 2], 16))
                )
                for i in (1, 3, 5)
            ]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return HEAT_STOPS[-1][1]


# ---------------------------------------------------------------------------------------------
# Markup pieces


def _join(parts: Sequence[SafeString | str]) -> SafeString:
    """Join fragments that were each built by format_html (so already escaped)."""
    return mark_safe("".join(parts))


def _text(
    x: float,
    y: float,
    text: str,
    *,
    max_chars: int = 1000,
    anchor: str = "middle",
    css: str = "chart-label",
    size: int = FONT,
    fill: str = INK,
) -> SafeString:
    """A text label, truncated if needed with the full text kept as its <title>.

    `y` is the vertical centre of the text: dominant-baseline support varies, so the baseline
    is placed by offset instead.
    """
    short = _truncate(text, max_chars)
    title = format_html("<title>{}</title>", text) if short != text else ""
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}">{}{}</text>',
        css,
        _n(x),
        _n(y + size * 0.35),
        anchor,
        size,
        fill,
        title,
        short,
    )


def _mark_title(chart: Chart, series: Series, category: str, value: float | None) -> SafeString:
    """ "Lycksele, mars 2026: 41", or "...: hidden (small number)" for a suppressed value."""
    shown = _("hidden (small number)") if value is None else format_value(value, chart.value_format)
    return format_html("<title>{}, {}: {}</title>", series.label, category, shown)


def _pattern_id(chart: Chart, index: int) -> str:
    return f"{chart.id}-pattern-{index}"


def _series_style(index: int) -> tuple[str, str]:
    """(colour, pattern) for the index-th series. Past eight series the pattern shifts, so
    the (colour, pattern) pairs stay distinct for 64 series."""
    return PALETTE[index % len(PALETTE)], PATTERNS[(index + index // len(PALETTE)) % len(PATTERNS)]


def _pattern(chart: Chart, index: int) -> SafeString:
    """One `<pattern>` tile: the series colour, overlaid with marks in black or white."""
    colour, name = _series_style(index)
    ink = _ink_on(colour)
    marks = {
        "solid": "",
        "diagonal": format_html(
            '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{}" stroke-width="1.5"/>', ink
        ),
        "backdiagonal": format_html(
            '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="{}" stroke-width="1.5"/>', ink
        ),
        "dots": format_html('<circle cx="4" cy="4" r="1.6" fill="{}"/>', ink),
        "crosshatch": format_html(
            '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="{}" stroke-width="1"/>', ink
        ),
        "horizontal": format_html('<path d="M0,4 h8" stroke="{}" stroke-width="1.5"/>', ink),
        "vertical": format_html('<path d="M4,0 v8" stroke="{}" stroke-width="1.5"/>', ink),
        "grid": format_html('<path d="M0,4 h8 M4,0 v8" stroke="{}" stroke-width="1"/>', ink),
    }[name]
    return format_html(
        '<pattern id="{}" class="chart-pattern chart-pattern-{}" width="8" height="8" '
        'patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{}"/>{}</pattern>',
        _pattern_id(chart, index),
        name,
        colour,
        marks,
    )


def _defs(chart: Chart) -> SafeString:
    if chart.kind in ("bars", "stacked", "hbars"):
        return format_html(
            "<defs>{}</defs>", _join([_pattern(chart, i) for i in range(len(chart.series))])
        )
    return SafeString("")


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    """Closed SVG path data through the given points."""
    return "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points) + "Z"


def _marker_path(shape: str, x: float, y: float, r: float) -> str:
    """SVG path data for a point marker centred on (x, y), r its half-size.

    Every shape is a path, so markers are filled and outlined alike; the outline in ink keeps
    even the light palette colours at 3:1 against the white ground (WCAG 1.4.11).
    """
    if shape == "circle":
        arc = f"a{_n(r)},{_n(r)} 0 1,0"
        return f"M{_n(x - r)},{_n(y)} {arc} {_n(2 * r)},0 {arc} {_n(-2 * r)},0Z"
    if shape == "square":
        s = r * 0.9
        return _polygon([(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)])
    if shape in ("triangle", "triangle-down"):
        d = -1 if shape == "triangle" else 1
        tip, base = (x, y + d * r * 1.15), y - d * r * 0.85
        return _polygon([tip, (x + r * 1.1, base), (x - r * 1.1, base)])
    if shape == "diamond":
        k = r * 1.25
        return _polygon([(x, y - k), (x + k, y), (x, y + k), (x - k, y)])
    # plus: a thick cross outline
    a, b = r * 0.4, r * 1.2
    return _polygon(
        [
            (x - a, y - b),
            (x + a, y - b),
            (x + a, y - a),
            (x + b, y - a),
            (x + b, y + a),
            (x + a, y + a),
            (x + a, y + b),
            (x - a, y + b),
            (x - a, y + a),
            (x - b, y + a),
            (x - b, y - a),
            (x - a, y - a),
        ]
    )


def _line_style(index: int) -> tuple[str, str, str | None]:
    """(colour, marker shape, dash pattern) for the index-th line series."""
    return (
        PALETTE[index % len(PALETTE)],
        MARKERS[index % len(MARKERS)],
        DASHES[index % len(DASHES)],
    )


def _hidden_marker(x: float, y: float, width: float, title: SafeString) -> SafeString:
    """The small "–" drawn where a suppressed value would be, with its explaining title."""
    half = min(max(width / 2, 3.0), 6.0)
    return format_html(
        '<path class="chart-suppressed" d="M{},{} h{}" stroke="{}" stroke-width="2">{}</path>',
        _n(x - half),
        _n(y),
        _n(2 * half),
        INK,
        title,
    )


# ---------------------------------------------------------------------------------------------
# Legend


def _legend_swatch(chart: Chart, index: int, x: float, y: float) -> SafeString:
    """A 14 px sample of what a series looks like in this chart: a patterned square for bars,
    a dashed line with its marker for lines."""
    if chart.kind == "lines":
        colour, shape, dash = _line_style(index)
        return format_html(
            '<path d="M{},{} h24" stroke="{}" stroke-width="2.5" fill="none"{}/>'
            '<path d="{}" fill="{}" stroke="{}" stroke-width="1"/>',
            _n(x),
            _n(y),
            colour,
            format_html(' stroke-dasharray="{}"', dash) if dash else "",
            _marker_path(shape, x + 12, y, 4),
            colour,
            INK,
        )
    return format_html(
        '<rect x="{}" y="{}" width="14" height="14" fill="url(#{})" stroke="{}" stroke-width="1"/>',
        _n(x),
        _n(y - 7),
        _pattern_id(chart, index),
        INK,
    )


def _legend(chart: Chart, top: float) -> tuple[SafeString, float]:
    """The legend (only with more than one series), flowing over as many rows as needed.

    Returns the markup and the height it takes.
    """
    if len(chart.series) < 2:
        return SafeString(""), 0.0
    swatch = 30 if chart.kind == "lines" else 20
    row_height = 20
    x, row = float(PAD), 0
    items = []
    for index, series in enumerate(chart.series):
        width = swatch + _text_width(_truncate(series.label, LEGEND_LABEL_CHARS)) + 16
        if x + width > WIDTH - PAD and x > PAD:
            x, row = float(PAD), row + 1
        y = top + row * row_height + row_height / 2
        items.append(
            format_html(
                '<g class="chart-legend-item" data-series="{}">{}{}</g>',
                series.key,
                _legend_swatch(chart, index, x, y),
                _text(
                    x + swatch,
                    y,
                    series.label,
                    max_chars=LEGEND_LABEL_CHARS,
                    anchor="start",
                    css="chart-legend-label",
                ),
            )
        )
        x += width
    height = (row + 1) * row_height
    return format_html('<g class="chart-legend">{}</g>', _join(items)), float(height)


# ---------------------------------------------------------------------------------------------
# Axes


def _value_ticks(chart: Chart) -> list[float]:
    """Ticks covering every value the chart draws: stack totals for stacked bars."""
    if chart.kind == "stacked":
        highs, lows = [0.0], [0.0]
        for index in range(len(chart.categories)):
            values = [_as_float(s.values[index]) for s in chart.series]
            highs.append(sum(v for v in values if v is not None and v > 0))
            lows.append(sum(v for v in values if v is not None and v < 0))
        low, high = min(lows), max(highs)
    else:
        values = [v for s in chart.series for v in map(_as_float, s.values) if v is not None]
        low, high = min(values, default=0.0), max(values, default=0.0)
    return nice_ticks(low, high, integer=chart.value_format == "count")


def _tick_labels(chart: Chart, ticks: Sequence[float]) -> list[str]:
    decimals = _tick_decimals(ticks, chart.value_format)
    return [format_value(t, chart.value_format, decimals) for t in ticks]


def _vertical_value_axis(
    axis: _Axis, labels: Sequence[str], left: float, right: float
) -> SafeString:
    """Horizontal gridlines with tick labels on the left, and the zero baseline in ink."""
    parts = []
    for tick, label in zip(axis.ticks, labels, strict=True):
        y = axis.at(tick)
        parts.append(
            format_html(
                '<path class="chart-grid" d="M{},{} H{}" stroke="{}" stroke-width="1"/>',
                _n(left),
                _n(y),
                _n(right),
                GRID,
            )
        )
        parts.append(_text(left - 6, y, label, anchor="end", css="chart-tick", fill=MUTED))
    zero = axis.at(0.0)
    parts.append(
        format_html(
            '<path class="chart-baseline" d="M{},{} H{}" stroke="{}" stroke-width="1"/>',
            _n(left),
            _n(zero),
            _n(right),
            INK,
        )
    )
    return format_html('<g class="chart-axis">{}</g>', _join(parts))


def _horizontal_value_axis(
    axis: _Axis, labels: Sequence[str], top: float, bottom: float
) -> SafeString:
    """Vertical gridlines with tick labels below, and the zero baseline in ink."""
    parts = []
    for tick, label in zip(axis.ticks, labels, strict=True):
        x = axis.at(tick)
        parts.append(
            format_html(
                '<path class="chart-grid" d="M{},{} V{}" stroke="{}" stroke-width="1"/>',
                _n(x),
                _n(top),
                _n(bottom),
                GRID,
            )
        )
        parts.append(_text(x, bottom + 12, label, css="chart-tick", fill=MUTED))
    zero = axis.at(0.0)
    parts.append(
        format_html(
            '<path class="chart-baseline" d="M{},{} V{}" stroke="{}" stroke-width="1"/>',
            _n(zero),
            _n(top),
            _n(bottom),
            INK,
        )
    )
    return format_html('<g class="chart-axis">{}</g>', _join(parts))


def _category_axis(chart: Chart, bands: _Bands, y: float) -> SafeString:
    """Category labels under the plot, thinned and cut so they never overlap."""
    step, max_chars = _label_step(chart.categories, bands.size)
    labels = [
        _text(bands.centre(i), y, label, max_chars=max_chars, css="chart-category")
        for i, label in enumerate(chart.categories)
        if i % step == 0
    ]
    return format_html('<g class="chart-categories">{}</g>', _join(labels))


# ---------------------------------------------------------------------------------------------
# Marks


def _bar_rect(
    chart: Chart, index: int, series: Series, category: str, value: float, box: tuple[float, ...]
) -> SafeString:
    x, y, width, height = box
    return format_html(
        '<rect class="chart-bar" data-series="{}" x="{}" y="{}" width="{}" height="{}" '
        'fill="url(#{})" stroke="{}" stroke-width="0.75">{}</rect>',
        series.key,
        _n(x),
        _n(y),
        _n(width),
        _n(height),
        _pattern_id(chart, index),
        INK,
        _mark_title(chart, series, category, value),
    )


def _grouped_bars(chart: Chart, bands: _Bands, axis: _Axis) -> SafeString:
    """Side-by-side vertical bars: one per series within each category slot."""
    marks = []
    group = bands.size * 0.8
    width = group / max(len(chart.series), 1)
    zero = axis.at(0.0)
    for c, category in enumerate(chart.categories):
        left = bands.edge(c) + (bands.size - group) / 2
        for s, series in enumerate(chart.series):
            x = left + s * width
            value = _as_float(series.values[c])
            if value is None:
                title = _mark_title(chart, series, category, None)
                marks.append(_hidden_marker(x + width / 2, zero, width, title))
                continue
            top, bottom = sorted((axis.at(value), zero))
            box = (x, top, width, bottom - top)
            marks.append(_bar_rect(chart, s, series, category, value, box))
    return format_html('<g class="chart-marks">{}</g>', _join(marks))


def _stacked_bars(chart: Chart, bands: _Bands, axis: _Axis) -> SafeString:
    """Series stacked in order from the baseline (first series at the bottom). Negative
    values stack downwards; hidden values get their "–" just above the stack."""
    marks = []
    width = bands.size * 0.7
    for c, category in enumerate(chart.categories):
        x = bands.edge(c) + (bands.size - width) / 2
        above = below = 0.0
        hidden: list[tuple[Series, str]] = []
        for s, series in enumerate(chart.series):
            value = _as_float(series.values[c])
            if value is None:
                hidden.append((series, category))
                continue
            start = above if value >= 0 else below
            end = start + value
            if value >= 0:
                above = end
            else:
                below = end
            top, bottom = sorted((axis.at(end), axis.at(start)))
            marks.append(
                _bar_rect(chart, s, series, category, value, (x, top, width, bottom - top))
            )
        for n, (series, label) in enumerate(hidden):
            y = axis.at(above) - 4 - n * 6
            title = _mark_title(chart, series, label, None)
            marks.append(_hidden_marker(x + width / 2, y, width, title))
    return format_html('<g class="chart-marks">{}</g>', _join(marks))


def _lines(chart: Chart, bands: _Bands, axis: _Axis) -> SafeString:
    """One path per series (a gap where a value is hidden) plus a titled marker per point."""
    radius = 4.0 if bands.size >= 14 else 2.5
    groups = []
    zero = axis.at(0.0)
    for s, series in enumerate(chart.series):
        colour, shape, dash = _line_style(s)
        commands: list[str] = []
        points = []
        pen_down = False
        for c, category in enumerate(chart.categories):
            value = _as_float(series.values[c])
            x = bands.centre(c)
            if value is None:
                pen_down = False
                title = _mark_title(chart, series, category, None)
                points.append(_hidden_marker(x, zero, radius * 2, title))
                continue
            y = axis.at(value)
            commands.append(f"{'L' if pen_down else 'M'}{_n(x)},{_n(y)}")
            pen_down = True
            points.append(
                format_html(
                    '<path class="chart-point chart-marker-{}" d="{}" fill="{}" stroke="{}" '
                    'stroke-width="1">{}</path>',
                    shape,
                    _marker_path(shape, x, y, radius),
                    colour,
                    INK,
                    _mark_title(chart, series, category, value),
                )
            )
        line = (
            format_html(
                '<path class="chart-line" d="{}" fill="none" stroke="{}" stroke-width="2.5" '
                'stroke-linejoin="round"{}/>',
                " ".join(commands),
                colour,
                format_html(' stroke-dasharray="{}"', dash) if dash else "",
            )
            if commands
            else ""
        )
        groups.append(
            format_html(
                '<g class="chart-series" data-series="{}">{}{}</g>',
                series.key,
                line,
                _join(points),
            )
        )
    return format_html('<g class="chart-marks">{}</g>', _join(groups))


# ---------------------------------------------------------------------------------------------
# Chart kinds


def _svg(chart: Chart, height: float, body: Sequence[SafeString | str]) -> SafeString:
    """The outer element: named by its <title> and <desc>, on a white ground so it stays
    legible in dark mode and forced-colours mode."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{}" id="{}" '
        'viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<rect class="chart-background" width="{}" height="{}" fill="{}"/>{}</svg>',
        chart.kind,
        chart.id,
        WIDTH,
        _n(height),
        chart.id,
        chart.id,
        chart.id,
        chart.title,
        chart.id,
        chart.description,
        WIDTH,
        _n(height),
        PAPER,
        _join(body),
    )


def _render_vertical(chart: Chart) -> SafeString:
    """bars, stacked and lines: categories along the bottom, values up the left."""
    legend, legend_height = _legend(chart, PAD)
    ticks = _value_ticks(chart)
    tick_labels = _tick_labels(chart, ticks)
    left = PAD + max(_text_width(label) for label in tick_labels) + 8
    right = WIDTH - PAD - 4
    top = PAD + legend_height + (8 if legend_height else 0) + FONT / 2
    bottom = top + PLOT_HEIGHT
    axis = _Axis(tuple(ticks), bottom, top)
    bands = _Bands(len(chart.categories), left, (right - left) / max(len(chart.categories), 1))
    marks = {"bars": _grouped_bars, "stacked": _stacked_bars, "lines": _lines}[chart.kind]
    body = [
        _defs(chart),
        legend,
        _vertical_value_axis(axis, tick_labels, left, right),
        marks(chart, bands, axis),
        _category_axis(chart, bands, bottom + 14),
    ]
    return _svg(chart, bottom + 14 + FONT + PAD, body)


def _render_hbars(chart: Chart) -> SafeString:
    """Horizontal bars: category labels on the left (they can be long: e-service names),
    values along the bottom; one series gets its value printed at the end of each bar."""
    legend, legend_height = _legend(chart, PAD)
    ticks = _value_ticks(chart)
    tick_labels = _tick_labels(chart, ticks)
    single = len(chart.series) == 1
    longest = max((len(c) for c in chart.categories), default=0)
    label_width = min(longest, ROW_LABEL_CHARS) * CHAR_W + 8
    left = PAD + label_width
    value_room = max(_text_width(format_value(ticks[-1], chart.value_format)) + 8, 24)
    right = WIDTH - PAD - (value_room if single else _text_width(tick_labels[-1]) / 2)
    row = max(24.0, len(chart.series) * 12.0 + 8)
    top = PAD + legend_height + (8 if legend_height else 0)
    bottom = top + row * max(len(chart.categories), 1)
    axis = _Axis(tuple(ticks), left, right)
    bands = _Bands(len(chart.categories), top, row)
    zero = axis.at(0.0)
    thickness = (row - 8) / max(len(chart.series), 1)
    marks, labels = [], []
    for c, category in enumerate(chart.categories):
        labels.append(
            _text(
                left - 8,
                bands.centre(c),
                category,
                max_chars=ROW_LABEL_CHARS,
                anchor="end",
                css="chart-category",
            )
        )
        for s, series in enumerate(chart.series):
            y = bands.edge(c) + 4 + s * thickness
            value = _as_float(series.values[c])
            if value is None:
                title = _mark_title(chart, series, category, None)
                marks.append(_hidden_marker(zero + 5, y + thickness / 2, 8, title))
                continue
            start, end = sorted((zero, axis.at(value)))
            box = (start, y, end - start, thickness)
            marks.append(_bar_rect(chart, s, series, category, value, box))
            if single:
                marks.append(
                    _text(
                        end + 4 if value >= 0 else start - 4,
                        y + thickness / 2,
                        format_value(value, chart.value_format),
                        anchor="start" if value >= 0 else "end",
                        css="chart-value",
                    )
                )
    body = [
        _defs(chart),
        legend,
        _horizontal_value_axis(axis, tick_labels, top, bottom),
        format_html('<g class="chart-categories">{}</g>', _join(labels)),
        format_html('<g class="chart-marks">{}</g>', _join(marks)),
    ]
    return _svg(chart, bottom + 12 + FONT + PAD, body)


def _heat_legend(chart: Chart, ticks: Sequence[float], top: float, left: float) -> SafeString:
    """One swatch per tick value with its label: a scale that reads in greyscale too."""
    low, high = ticks[0], ticks[-1]
    labels = _tick_labels(chart, ticks)
    width = max(36.0, max(_text_width(label, SMALL_FONT) for label in labels) + 8)
    items = []
    for n, (tick, label) in enumerate(zip(ticks, labels, strict=True)):
        x = left + n * width
        items.append(
            format_html(
                '<rect class="chart-swatch" x="{}" y="{}" width="{}" height="12" fill="{}" '
                'stroke="{}" stroke-width="0.75"/>',
                _n(x),
                _n(top),
                _n(width),
                _heat_colour((tick - low) / (high - low)),
                INK,
            )
        )
        items.append(
            _text(x + width / 2, top + 22, label, css="chart-tick", size=SMALL_FONT, fill=MUTED)
        )
    return format_html('<g class="chart-legend chart-scale">{}</g>', _join(items))


@dataclass(frozen=True)
class _HeatGrid:
    """Where the heatmap cells lie, what the colour scale spans, and the font size that
    cell values are printed in (None: they do not fit, the titles and the table show them)."""

    columns: _Bands
    rows: _Bands
    low: float
    high: float
    font: int | None


def _cell_font(chart: Chart, cell_width: float) -> int | None:
    """The largest font (11 down to 9 px) at which the widest cell value fits every cell.

    Decided once per chart, so that either every cell prints its value or none does: a grid
    where only the small numbers are printed would read as if the large ones were missing.
    """
    shown = [
        format_value(v, chart.value_format)
        for s in chart.series
        for v in map(_as_float, s.values)
        if v is not None
    ]
    widest = max(shown + [HIDDEN_MARK], key=len)
    for size in (SMALL_FONT, 10, 9):
        if _text_width(widest, size) + 6 <= cell_width:
            return size
    return None


def _render_heatmap(chart: Chart) -> SafeString:
    """Rows (series, e.g. weekdays) × columns (categories, e.g. hours), each cell shaded by
    value on one light-to-dark hue, with the value printed when it fits."""
    ticks = _value_ticks(chart)
    longest = max((len(s.label) for s in chart.series), default=0)
    left = PAD + min(longest, HEAT_ROW_LABEL_CHARS) * CHAR_W + 8
    right = WIDTH - PAD
    top = PAD + FONT + 6  # column labels above the grid
    columns = _Bands(len(chart.categories), left, (right - left) / max(len(chart.categories), 1))
    grid = _HeatGrid(
        columns=columns,
        rows=_Bands(len(chart.series), top, HEAT_CELL_HEIGHT),
        low=ticks[0],
        high=ticks[-1],
        font=_cell_font(chart, columns.size),
    )
    step, max_chars = _label_step(chart.categories, columns.size)
    header = [
        _text(columns.centre(c), PAD + FONT / 2, label, max_chars=max_chars, css="chart-category")
        for c, label in enumerate(chart.categories)
        if c % step == 0
    ]
    cells, row_labels = [], []
    for r, series in enumerate(chart.series):
        row_labels.append(
            _text(
                left - 8,
                grid.rows.centre(r),
                series.label,
                max_chars=HEAT_ROW_LABEL_CHARS,
                anchor="end",
                css="chart-category",
            )
        )
        cells.extend(_heat_cell(chart, grid, r, c) for c in range(len(chart.categories)))
    bottom = top + grid.rows.size * max(len(chart.series), 1)
    body = [
        format_html('<g class="chart-categories">{}</g>', _join(header + row_labels)),
        format_html('<g class="chart-marks">{}</g>', _join(cells)),
        _heat_legend(chart, ticks, bottom + 10, left),
    ]
    return _svg(chart, bottom + 10 + 28 + PAD, body)


def _heat_cell(chart: Chart, grid: _HeatGrid, row: int, column: int) -> SafeString:
    """One cell: shaded rect with its title, and its value (or "–" if hidden) when it fits."""
    series, category = chart.series[row], chart.categories[column]
    value = _as_float(series.values[column])
    x, y = grid.columns.edge(column), grid.rows.edge(row)
    if value is None:
        fill, css, shown = PAPER, "chart-cell chart-suppressed", HIDDEN_MARK
    else:
        fill, css = _heat_colour((value - grid.low) / (grid.high - grid.low)), "chart-cell"
        shown = format_value(value, chart.value_format)
    rect = format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" '
        'stroke-width="1">{}</rect>',
        css,
        _n(x),
        _n(y),
        _n(grid.columns.size),
        _n(grid.rows.size),
        fill,
        PAPER if value is not None else GRID,
        _mark_title(chart, series, category, value),
    )
    if grid.font is None:
        return rect
    text = _text(
        x + grid.columns.size / 2,
        y + grid.rows.size / 2,
        shown,
        css="chart-cell-value",
        size=grid.font,
        fill=_ink_on(fill),
    )
    return format_html("{}{}", rect, text)


_RENDERERS = {
    "bars": _render_vertical,
    "stacked": _render_vertical,
    "lines": _render_vertical,
    "hbars": _render_hbars,
    "heatmap": _render_heatmap,
}


def render(chart: Chart) -> SafeString:
    """The chart as one `<svg>` element, safe to place in a template as is."""
    return _RENDERERS[chart.kind](chart)
