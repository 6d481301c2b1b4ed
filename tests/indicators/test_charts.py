"""Server-side SVG charts (indicators/charts.py): pure functions, no database.

Each test parses the markup as XML, so every test also checks that it is well-formed.
"""

import math
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from indicators.charts import Chart, Series, format_value, nice_ticks, render

SVG = "{http://www.w3.org/2000/svg}"
KINDS = ["bars", "stacked", "hbars", "lines", "heatmap"]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(render(chart)))


def with_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [e for e in root.iter() if css in e.get("class", "").split()]


def title_of(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    assert title is not None
    return title.text or ""


def texts(root: ET.Element, css: str) -> list[str]:
    """The visible text of elements with a class (a <title> child is not visible)."""
    return [
        "".join(e.itertext()).removeprefix(e.findtext(f"{SVG}title") or "")
        for e in with_class(root, css)
    ]


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def chart(kind="bars", categories=None, series=None, value_format="count", **kwargs) -> Chart:
    categories = ["mars 2026", "april 2026", "maj 2026"] if categories is None else categories
    if series is None:
        series = [
            Series("lycksele", "Lycksele", [41, 20, 10]),
            Series("storuman", "Storuman", [5, 8, 13]),
        ]
    return Chart(
        id=kwargs.pop("id", "visits"),
        title=kwargs.pop("title", "Besök per månad"),
        description=kwargs.pop("description", "Besök per månad och servicecenter."),
        kind=kind,
        categories=categories,
        series=series,
        value_format=value_format,
    )


def test_the_svg_is_an_image_named_by_its_title_and_description():
    root = parse(chart(id="monthly"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("focusable") == "false"
    assert root.get("aria-labelledby") == "monthly-title monthly-desc"
    assert root.find(f"{SVG}title").get("id") == "monthly-title"
    assert root.find(f"{SVG}title").text == "Besök per månad"
    assert root.find(f"{SVG}desc").get("id") == "monthly-desc"
    assert root.find(f"{SVG}desc").text == "Besök per månad och servicecenter."
    assert root.get("viewBox").startswith("0 0 640 ")


@pytest.mark.parametrize("kind", KINDS)
def test_no_chart_kind_has_an_inline_style_a_script_or_an_event_handler(kind):
    markup = str(render(chart(kind)))
    root = ET.fromstring(markup)

    assert "style=" not in markup
    assert not [e for e in root.iter() if e.tag in (f"{SVG}style", f"{SVG}script")]
    assert not [name for e in root.iter() for name in e.attrib if name.lower().startswith("on")]
    assert "javascript:" not in markup


def test_grouped_bars_draw_one_rect_per_series_and_category():
    root = parse(chart("bars"))

    bars = with_class(root, "chart-bar")
    assert len(bars) == 2 * 3
    assert sorted(b.get("data-series") for b in bars) == ["lycksele"] * 3 + ["storuman"] * 3


def test_stacked_bars_draw_one_rect_per_series_and_category():
    series = [Series(mode, mode, [1, 2, 3]) for mode in ("info", "on_behalf", "guided", "taught")]
    root = parse(chart("stacked", series=series))

    assert len(with_class(root, "chart-bar")) == 4 * 3


def test_bar_heights_are_proportional_to_values():
    root = parse(chart("bars", series=[Series("visits", "Besök", [10, 20, 40])]))

    heights = [float(b.get("height")) for b in with_class(root, "chart-bar")]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.02)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.02)


def test_bars_stand_on_a_common_baseline():
    root = parse(chart("bars", series=[Series("visits", "Besök", [10, 20, 40])]))

    bottoms = {
        round(float(b.get("y")) + float(b.get("height")), 1) for b in with_class(root, "chart-bar")
    }
    assert len(bottoms) == 1


def test_stacked_segments_sit_on_top_of_each_other_in_series_order():
    series = [Series("info", "Info", [10]), Series("guided", "Guided", [30])]
    root = parse(chart("stacked", categories=["mars 2026"], series=series))

    info, guided = with_class(root, "chart-bar")
    assert float(guided.get("y")) + float(guided.get("height")) == pytest.approx(
        float(info.get("y")), abs=0.02
    )
    assert float(guided.get("height")) == pytest.approx(3 * float(info.get("height")), abs=0.02)


def test_horizontal_bar_lengths_are_proportional_to_values():
    series = [Series("visits", "Besök", [300, 150, 75])]
    root = parse(chart("hbars", categories=["Skatteverket", "1177", "BankID"], series=series))

    widths = [float(b.get("width")) for b in with_class(root, "chart-bar")]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.02)
    assert widths[1] == pytest.approx(2 * widths[2], abs=0.02)


def test_horizontal_bars_print_each_value_at_the_end_of_its_bar():
    series = [Series("visits", "Besök", [1234, 56])]
    root = parse(chart("hbars", categories=["Skatteverket", "1177"], series=series))

    assert texts(root, "chart-value") == ["1\u00a0234", "56"]


def test_every_bar_has_a_title_with_series_category_and_value():
    root = parse(chart("bars"))

    titles = [title_of(b) for b in with_class(root, "chart-bar")]
    assert "Lycksele, mars 2026: 41" in titles
    assert "Storuman, maj 2026: 13" in titles


@pytest.mark.parametrize("kind", ["bars", "stacked", "hbars", "lines"])
def test_a_hidden_value_draws_no_mark_but_a_marker_saying_it_is_hidden(kind):
    translation.activate("en")
    series = [Series("lycksele", "Lycksele", [41, None, 10])]
    root = parse(chart(kind, series=series))

    marks = with_class(root, "chart-point" if kind == "lines" else "chart-bar")
    assert len(marks) == 2
    assert all("april 2026" not in title_of(m) for m in marks)
    (hidden,) = with_class(root, "chart-suppressed")
    assert title_of(hidden) == "Lycksele, april 2026: hidden (small number)"


def test_a_hidden_value_breaks_the_line_instead_of_joining_its_neighbours():
    series = [Series("lycksele", "Lycksele", [41, 30, None, 10, 12])]
    root = parse(chart("lines", categories=list("abcde"), series=series))

    (line,) = with_class(root, "chart-line")
    assert line.get("d").count("M") == 2
    assert line.get("d").count("L") == 2


def test_labels_with_markup_characters_are_escaped():
    nasty = '<script>alert("x")</script> & <b>'
    c = Chart(
        id="nasty",
        title=nasty,
        description=nasty,
        kind="bars",
        categories=[nasty],
        series=[Series("a", nasty, [1]), Series("b", "B", [2])],
    )
    markup = str(render(c))
    root = ET.fromstring(markup)

    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert root.find(f"{SVG}title").text == nasty
    assert title_of(with_class(root, "chart-bar")[0]) == f"{nasty}, {nasty}: 1"
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}b", "script", "b")]


def test_each_bar_series_gets_its_own_pattern_and_colour():
    series = [Series(f"s{i}", f"Series {i}", [i + 1]) for i in range(6)]
    root = parse(chart("bars", categories=["mars 2026"], series=series))

    patterns = root.findall(f"{SVG}defs/{SVG}pattern")
    assert len(patterns) == 6
    designs = {p.get("class") for p in patterns}
    colours = {p.find(f"{SVG}rect").get("fill") for p in patterns}
    assert len(designs) == 6
    assert len(colours) == 6
    fills = [b.get("fill") for b in with_class(root, "chart-bar")]
    assert fills == [f"url(#visits-pattern-{i})" for i in range(6)]


def test_pattern_ids_are_prefixed_by_the_chart_id_so_two_charts_can_share_a_page():
    first = parse(chart("stacked", id="first"))
    second = parse(chart("stacked", id="second"))

    ids = [e.get("id") for root in (first, second) for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(("first", "second")) for i in ids)


def test_rendering_the_same_chart_twice_gives_the_same_markup():
    assert render(chart("lines")) == render(chart("lines"))


def test_lines_draw_one_path_per_series_with_a_marker_per_value():
    root = parse(chart("lines"))

    assert len(with_class(root, "chart-line")) == 2
    assert len(with_class(root, "chart-point")) == 6


def test_line_series_differ_in_colour_marker_shape_and_dash():
    series = [Series(f"s{i}", f"Series {i}", [1, 2]) for i in range(4)]
    root = parse(chart("lines", categories=["a", "b"], series=series))

    lines = with_class(root, "chart-line")
    assert len({line.get("stroke") for line in lines}) == 4
    assert len({line.get("stroke-dasharray") for line in lines}) == 4
    shapes = [
        {c for p in with_class(g, "chart-point") for c in p.get("class").split()} - {"chart-point"}
        for g in with_class(root, "chart-series")
    ]
    assert all(len(s) == 1 for s in shapes)
    assert len(set.union(*shapes)) == 4


def test_a_legend_is_drawn_only_for_more_than_one_series():
    several = parse(chart("bars"))
    one = parse(chart("bars", series=[Series("visits", "Besök", [1, 2, 3])]))

    assert texts(several, "chart-legend-label") == ["Lycksele", "Storuman"]
    assert with_class(one, "chart-legend") == []


def test_heatmap_draws_one_cell_per_row_and_column():
    hours = [str(h) for h in range(8, 18)]
    days = [Series(d, d, list(range(10))) for d in ("måndag", "tisdag", "onsdag")]
    root = parse(chart("heatmap", categories=hours, series=days))

    assert len(with_class(root, "chart-cell")) == 3 * 10


def test_a_darker_heatmap_cell_holds_a_larger_value():
    days = [Series("mon", "måndag", [2, 8, 0])]
    root = parse(chart("heatmap", categories=["9", "10", "11"], series=days))

    two, eight, zero = (cell.get("fill") for cell in with_class(root, "chart-cell"))
    assert luminance(eight) < luminance(two) < luminance(zero)


def test_heatmap_cells_print_their_value_in_a_colour_that_contrasts_with_the_cell():
    days = [Series("mon", "måndag", [0, 3, 5, 8, 10])]
    root = parse(chart("heatmap", categories=["8", "9", "10", "11", "12"], series=days))

    cells = with_class(root, "chart-cell")
    values = with_class(root, "chart-cell-value")
    assert ["".join(v.itertext()) for v in values] == ["0", "3", "5", "8", "10"]
    for cell, value in zip(cells, values, strict=True):
        assert contrast(cell.get("fill"), value.get("fill")) >= 4.5


def test_a_hidden_heatmap_cell_is_marked_and_titled_hidden():
    translation.activate("en")
    days = [Series("mon", "Monday", [4, None])]
    root = parse(chart("heatmap", categories=["9", "10"], series=days))

    (hidden,) = with_class(root, "chart-suppressed")
    assert title_of(hidden) == "Monday, 10: hidden (small number)"


def test_a_share_axis_is_labelled_in_percent_with_a_decimal_comma_in_swedish():
    series = [Series("first", "Första besök", [0.45, 0.3, 0.025])]
    root = parse(chart("bars", series=series, value_format="share"))

    ticks = texts(root, "chart-tick")
    assert ticks == ["0\u00a0%", "10\u00a0%", "20\u00a0%", "30\u00a0%", "40\u00a0%", "50\u00a0%"]
    assert title_of(with_class(root, "chart-bar")[2]) == "Första besök, maj 2026: 2,5\u00a0%"


def test_decimal_tick_labels_follow_the_active_language():
    series = [Series("rate", "Besök per 1 000 invånare", [0.4, 1.2, 2.3])]

    swedish = texts(parse(chart("hbars", series=series, value_format="rate")), "chart-tick")
    translation.activate("en")
    english = texts(parse(chart("hbars", series=series, value_format="rate")), "chart-tick")

    assert swedish == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5"]
    assert english == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]


def test_a_count_axis_has_whole_ticks_only():
    root = parse(chart("bars", series=[Series("visits", "Besök", [1, 2, 1])]))

    assert texts(root, "chart-tick") == ["0", "1", "2", "3"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("values", [[None, None, None], [0, 0, 0]], ids=["all-none", "all-zero"])
def test_a_chart_without_data_renders_an_empty_axis_from_zero_to_one(kind, values):
    series = [Series("a", "A", values), Series("b", "B", list(values))]
    root = parse(chart(kind, series=series, value_format="rate"))

    if kind == "heatmap":
        labels = texts(root, "chart-tick")
        assert (labels[0], labels[-1]) == ("0,0", "1,0")
    else:
        assert texts(root, "chart-tick") == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]


def test_an_empty_count_axis_runs_from_zero_to_one():
    root = parse(chart("bars", series=[Series("visits", "Besök", [None, 0, None])]))

    assert texts(root, "chart-tick") == ["0", "1"]


def test_a_chart_without_categories_renders():
    root = parse(chart("bars", categories=[], series=[Series("visits", "Besök", [])]))

    assert with_class(root, "chart-bar") == []


@pytest.mark.parametrize(
    ("low", "high", "integer"),
    [
        (0, 41, True),
        (0, 7, True),
        (0, 0.453, False),
        (0, 1234, True),
        (-3, 10, False),
        (0, 0.07, False),
        (0, 99999, True),
        (0, 1, False),
        (0, 3.2, False),
    ],
)
def test_nice_ticks_are_four_to_six_evenly_spaced_values_covering_the_data(low, high, integer):
    ticks = nice_ticks(low, high, integer=integer)

    assert 4 <= len(ticks) <= 6
    assert ticks[0] <= min(low, 0) and ticks[-1] >= high
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    (step,) = steps
    assert round(step / 10 ** math.floor(math.log10(step)), 9) in (1, 2, 2.5, 5)


def test_nice_ticks_for_counts_are_whole_numbers():
    assert all(t.is_integer() for t in nice_ticks(0, 3, integer=True))


def test_long_category_labels_are_cut_with_an_ellipsis_and_kept_whole_in_a_title():
    long = "Försäkringskassan, ansökan om bostadsbidrag för pensionärer"
    series = [Series("visits", "Besök", [3])]
    root = parse(chart("hbars", categories=[long], series=series))

    (label,) = with_class(root, "chart-category")
    shown = "".join(label.itertext()).removeprefix(long)
    assert shown.endswith("…")
    assert len(shown) < len(long)
    assert title_of(label) == long


def test_fifty_three_weeks_thin_out_the_axis_labels_but_draw_every_bar():
    weeks = [f"v. {n}" for n in range(1, 54)]
    root = parse(chart("bars", categories=weeks, series=[Series("v", "Besök", list(range(53)))]))

    labels = texts(root, "chart-category")
    assert len(with_class(root, "chart-bar")) == 53
    assert 5 <= len(labels) <= 20
    assert labels[0] == "v. 1"


def test_database_decimals_are_accepted_as_values():
    series = [Series("rate", "Besök per 1 000", [Decimal("12.5"), Decimal("3.25"), None])]
    root = parse(chart("hbars", series=series, value_format="rate"))

    assert title_of(with_class(root, "chart-bar")[0]) == "Besök per 1 000, mars 2026: 12,5"


def test_negative_values_hang_below_the_baseline():
    series = [Series("uplift", "Självförtroende", [1.5, -0.5, 0.0])]
    root = parse(chart("bars", series=series, value_format="decimal"))

    up, down, _ = with_class(root, "chart-bar")
    (baseline,) = with_class(root, "chart-baseline")
    zero = float(baseline.get("d").split(",")[1].split()[0])
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(zero, abs=0.02)
    assert float(down.get("y")) == pytest.approx(zero, abs=0.02)


def test_format_value_writes_each_format_in_the_active_language():
    assert format_value(1234, "count") == "1\u00a0234"
    assert format_value(0.453, "share") == "45,3\u00a0%"
    assert format_value(12.34, "rate") == "12,3"
    assert format_value(1.234, "decimal") == "1,23"
    translation.activate("en")
    assert format_value(1234, "count") == "1,234"
    assert format_value(0.453, "share") == "45.3\u00a0%"


def test_a_chart_id_that_cannot_be_an_element_id_is_refused():
    with pytest.raises(ValueError, match="chart id"):
        chart(id="two words")


def test_a_series_with_the_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        chart(series=[Series("a", "A", [1, 2])])
