"""The statistics dashboards as their users meet them: where signing in leads, what the tiles
and charts say (the engine's figures, suppressed as the API suppresses), what a bad period
or a scope beyond one's rights gives, and that the work per page does not grow with data.

Figures are those of the hand-counted scenario (tests/indicators/conftest.py)."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from organisations.models import Membership
from tests.factories import log_visit, member
from tests.indicators.factories import local, make_visit

pytestmark = pytest.mark.django_db

SCENARIO_PERIOD = {"period": "custom", "from": "2026-03-01", "to": "2026-04-30"}


class _Hooks(HTMLParser):
    """The tiles' and today's counters' test hooks (SPEC §9) on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "data-indicator" in attributes:
            self.tiles[attributes["data-indicator"]] = attributes


def tiles_of(response) -> dict[str, dict[str, str | None]]:
    parser = _Hooks()
    parser.feed(response.content.decode())
    return parser.tiles


def dashboard(kind: str, code: str) -> str:
    return reverse("indicators:dashboard", kwargs={"kind": kind, "code": code})


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response).decode("utf-8-sig") if response.streaming else response.text
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def manager_a(scenario):
    return member(Membership.Role.MANAGER, site=scenario.site_a)


@pytest.fixture
def analyst_a(scenario):
    return member(Membership.Role.ANALYST, organisation=scenario.org_a)


def test_a_site_manager_lands_on_the_sites_dashboard_after_signing_in(client, manager_a):
    client.force_login(manager_a)
    assert client.get(reverse("home")).url == dashboard("site", "ind-a")


def test_an_analyst_lands_on_the_region_dashboard_after_signing_in(client, analyst_a):
    client.force_login(analyst_a)
    assert client.get(reverse("home")).url == dashboard("region", "24")


def test_the_tiles_show_the_owners_figures_unsuppressed(client, manager_a):
    client.force_login(manager_a)
    tiles = tiles_of(client.get(dashboard("site", "ind-a"), SCENARIO_PERIOD))
    assert tiles["visits"]["data-value"] == "5"
    assert tiles["people_helped"]["data-value"] == "13"
    assert tiles["help_items"]["data-value"] == "8"
    assert "data-suppressed" not in tiles["visits"]


def test_the_tiles_are_suppressed_exactly_as_the_api_suppresses_them(client, analyst_a):
    client.force_login(analyst_a)
    tiles = tiles_of(client.get(dashboard("region", "24"), SCENARIO_PERIOD))
    api = client.get(
        "/api/v1/stats/", {"scope": "region:24", "from": "2026-03-01", "to": "2026-04-30"}
    ).json()
    # Three of the eight visits are another organisation's: the count is hidden.
    assert api["total"]["visits"] is None
    assert tiles["visits"]["data-suppressed"] == "true"
    for code, tile in tiles.items():
        expected = api["total"][code]
        assert tile["data-value"] == ("" if expected is None else str(expected)), code


def test_an_indicator_without_data_has_no_tile(client, manager_a):
    client.force_login(manager_a)
    tiles = tiles_of(client.get(dashboard("site", "ind-a"), SCENARIO_PERIOD))
    # A site is no area: there is no "per 1,000 inhabitants" for it.
    assert "visits_per_1000" not in tiles
    assert "median_wait_min" not in tiles


def test_each_tile_compares_with_the_previous_period_and_a_year_earlier(client, manager_a):
    make_visit(site=manager_a.memberships.get().site, started_at=local(2026, 2, 10))
    client.force_login(manager_a)
    response = client.get(dashboard("site", "ind-a"), {"period": "month", "date": "2026-03-05"})
    page = response.content.decode()
    # March: v1, v2, v3 (3 visits); February: 1 visit; March 2025: none.
    assert tiles_of(response)["visits"]["data-value"] == "3"
    assert "+2 (+200 %)" in page
    assert "Mars 2025" in page


def test_a_chart_csv_holds_the_engines_suppressed_breakdown(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        reverse(
            "indicators:chart_csv", kwargs={"kind": "region", "code": "24", "chart": "barriers"}
        ),
        SCENARIO_PERIOD,
    )
    api = client.get(
        "/api/v1/stats/",
        {"scope": "region:24", "from": "2026-03-01", "to": "2026-04-30", "group_by": "barrier"},
    ).json()
    from_api = {row["label"]: row["visits"] for row in api["rows"]}
    rows = csv_rows(response)[1:]
    assert {label: (int(v) if v else None) for label, v in rows} == from_api


def test_the_top_services_chart_ranks_services_by_help_items(client, manager_a):
    client.force_login(manager_a)
    response = client.get(
        reverse(
            "indicators:chart_csv",
            kwargs={"kind": "site", "code": "ind-a", "chart": "top_services"},
        ),
        SCENARIO_PERIOD,
    )
    rows = csv_rows(response)
    # BankID 4 (v1 twice, v3, v6), Swish 3 (v3, v7 twice), 1177 1 (v2).
    assert [int(count) for _label, count in rows[1:]] == [4, 3, 1]


def test_a_scope_beyond_the_users_rights_is_not_found(client, manager_a):
    client.force_login(manager_a)
    assert client.get(dashboard("site", "ind-b")).status_code == 404
    # The region holds site B too: it is refused whole, never narrowed to site A.
    assert client.get(dashboard("region", "24")).status_code == 404


def test_an_unknown_scope_is_not_found(client, manager_a):
    client.force_login(manager_a)
    assert client.get(dashboard("site", "nowhere")).status_code == 404
    assert client.get(dashboard("planet", "earth")).status_code == 404


def test_a_period_ending_before_it_starts_is_a_form_error(client, manager_a):
    client.force_login(manager_a)
    response = client.get(
        dashboard("site", "ind-a"), {"period": "custom", "from": "2026-04-30", "to": "2026-03-01"}
    )
    assert response.status_code == 200
    assert _("The last day must not be before the first day.") in response.text
    assert tiles_of(response) == {}


def test_a_period_years_ahead_is_a_form_error(client, manager_a):
    client.force_login(manager_a)
    response = client.get(dashboard("site", "ind-a"), {"period": "year", "date": "2031-01-01"})
    assert _("The period may not end more than a year ahead.") in response.text
    assert tiles_of(response) == {}


def test_a_period_kind_that_does_not_exist_is_a_form_error(client, manager_a):
    client.force_login(manager_a)
    response = client.get(dashboard("site", "ind-a"), {"period": "decade"})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.text


def test_a_period_without_visits_shows_zeros_and_an_empty_state(client, manager_a):
    client.force_login(manager_a)
    response = client.get(dashboard("site", "ind-a"), {"period": "month", "date": "2025-01-10"})
    assert response.status_code == 200
    assert tiles_of(response)["visits"]["data-value"] == "0"
    assert "Inga besök loggades under perioden." in response.text


def test_the_live_figures_carry_the_same_tiles_as_the_page(client, manager_a):
    client.force_login(manager_a)
    url = dashboard("site", "ind-a")
    page = tiles_of(client.get(url, SCENARIO_PERIOD))
    live = tiles_of(
        client.get(
            reverse("indicators:live", kwargs={"kind": "site", "code": "ind-a"}), SCENARIO_PERIOD
        )
    )
    assert live == page


def test_the_report_shows_the_tiles_and_every_chart_without_navigation(client, manager_a):
    client.force_login(manager_a)
    response = client.get(
        reverse("indicators:report", kwargs={"kind": "site", "code": "ind-a"}), SCENARIO_PERIOD
    )
    assert tiles_of(response)["visits"]["data-value"] == "5"
    assert 'id="chart-help_mode_ladder"' in response.text
    assert "site-header" not in response.text


def test_the_dashboard_uses_the_same_number_of_queries_as_data_grows(client, analyst_a, scenario):
    client.force_login(analyst_a)
    url = dashboard("region", "24")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, SCENARIO_PERIOD).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for day in range(1, 25):
        make_visit(
            site=scenario.site_b if day % 2 else scenario.site_a,
            started_at=local(2026, 3 + day % 2, day, 11),
            help=[("banking.swish", "info", "resolved"), ("1177.login", "taught", "partly")],
            barriers=["no_device"],
            age_band="18-29",
        )
    assert queries() == before


def table_url(kind: str, code: str) -> str:
    return reverse("indicators:table", kwargs={"kind": kind, "code": code})


def test_sites_side_by_side_hide_another_organisations_small_counts(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "site"})
    rows = {row["key"]: row for row in response.context["table"].data}
    assert rows["ind-a"]["visits"] == 5
    # Site B's three visits are another organisation's.
    assert rows["ind-b"]["visits"] is None


def test_a_table_filtered_by_an_e_service_counts_the_visits_with_it(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "site", "service": "eid.bankid"}
    )
    rows = {row["key"]: row for row in response.context["table"].data}
    # v1, v3 and v6 had BankID help at site A.
    assert rows["ind-a"]["visits"] == 3


def test_a_table_exports_the_same_rows_as_csv(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "site", "_export": "csv"}
    )
    rows = csv_rows(response)
    assert rows[0][:2] == ["Plats", "Besök"]
    assert [row[:2] for row in rows[1:]] == [
        ["Lycksele servicecenter", "5"],
        ["Storumans bibliotek", ""],
    ]


def test_a_table_exports_to_excel(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "service", "_export": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "E-tjänst"
    assert len(values) == 1 + 4  # BankID, Freja, 1177, Swish


def test_two_filters_at_once_are_a_form_error(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"),
        {**SCENARIO_PERIOD, "rows": "site", "service": "eid.bankid", "mode": "taught"},
    )
    assert "table" not in response.context
    assert (
        escape(_("Filter by one thing at a time: statistics are kept per one breakdown."))
        in response.text
    )


def test_a_filter_value_that_does_not_exist_is_a_form_error(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "site", "mode": "telepathy"}
    )
    assert "table" not in response.context
    assert 'id="error-summary"' in response.text


def test_rows_and_filter_of_two_kept_breakdowns_are_a_form_error(client, analyst_a):
    client.force_login(analyst_a)
    response = client.get(
        table_url("region", "24"), {**SCENARIO_PERIOD, "rows": "service", "mode": "taught"}
    )
    assert "table" not in response.context


def test_the_table_uses_the_same_number_of_queries_as_data_grows(client, analyst_a, scenario):
    client.force_login(analyst_a)
    query = {**SCENARIO_PERIOD, "rows": "service"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(table_url("region", "24"), query).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for day in range(1, 13):
        make_visit(
            site=scenario.site_a,
            started_at=local(2026, 3, day, 11),
            help=[("skatteverket.declaration", "guided", "resolved")],
        )
    assert queries() == before


def live_url(code: str) -> str:
    return reverse("indicators:live", kwargs={"kind": "site", "code": code})


def test_live_figures_include_a_visit_logged_after_they_were_cached(
    client, manager_a, scenario, django_capture_on_commit_callbacks
):
    client.force_login(manager_a)
    assert tiles_of(client.get(live_url("ind-a"), SCENARIO_PERIOD))["visits"]["data-value"] == "5"
    with django_capture_on_commit_callbacks(execute=True):
        log_visit(scenario.site_a, started_at=local(2026, 4, 20, 10))
    assert tiles_of(client.get(live_url("ind-a"), SCENARIO_PERIOD))["visits"]["data-value"] == "6"


def test_live_figures_are_computed_once_for_every_dashboard_that_asks(client, manager_a):
    client.force_login(manager_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(live_url("ind-a"), SCENARIO_PERIOD)
        return len(captured.captured_queries)

    first, second = queries(), queries()
    # The second asks for the session, the user and the scope, and reads no statistics.
    assert second < first - 10


def test_a_running_period_is_compared_day_for_day(client, manager_a, monkeypatch):
    # "Today" is 2 April 2026: April so far is compared with 1–2 March, not all of March.
    instant = local(2026, 4, 2, 12)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    client.force_login(manager_a)
    response = client.get(dashboard("site", "ind-a"), {"period": "month"})
    visits = next(tile for tile in response.context["tiles"] if tile.indicator.code == "visits")
    # April at site A: v6 and v7; 1–2 March: v1 (all of March: v1, v2, v3).
    assert visits.value == 2
    assert visits.changes[0].display == "+1 (+100 %)"
    assert visits.changes[0].period_label == "1–2 mars 2026"


@pytest.mark.parametrize(
    ("chart", "group_by", "indicator"),
    [
        ("top_services", "service", "help_items"),
        ("providers", "provider", "help_items"),
        ("barriers", "barrier", "visits"),
        ("age_bands", "age_band", "visits"),
        ("gender", "gender", "visits"),
        ("visits_per_1000", "municipality", "visits_per_1000"),
    ],
)
def test_every_ranked_chart_shows_what_the_api_publishes(
    client, analyst_a, chart, group_by, indicator
):
    client.force_login(analyst_a)
    url = reverse("indicators:chart_csv", kwargs={"kind": "region", "code": "24", "chart": chart})
    shown = dict(csv_rows(client.get(url, SCENARIO_PERIOD))[1:])
    api = client.get(
        "/api/v1/stats/",
        {"scope": "region:24", "from": "2026-03-01", "to": "2026-04-30", "group_by": group_by},
    ).json()
    published = {
        row["label"]: "" if row[indicator] is None else str(row[indicator]) for row in api["rows"]
    }
    assert shown == published


def test_a_month_of_six_weeks_is_compared_week_by_week_with_a_year_earlier(
    client, manager_a, scenario
):
    # November 2026 touches weeks 44–49, November 2025 weeks 44–48.
    make_visit(site=scenario.site_a, started_at=local(2025, 11, 12))
    client.force_login(manager_a)
    response = client.get(
        reverse(
            "indicators:chart_csv",
            kwargs={"kind": "site", "code": "ind-a", "chart": "year_on_year"},
        ),
        {"period": "month", "date": "2026-11-01"},
    )
    rows = csv_rows(response)
    assert [row[0] for row in rows[1:]] == [f"v. {week} 2026" for week in range(44, 50)]
    # 12 November 2025 was in week 46.
    assert [row[2] for row in rows[1:]] == ["0", "0", "1", "0", "0", "0"]
