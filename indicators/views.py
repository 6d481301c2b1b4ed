"""The statistics dashboards: one page per scope (site, municipality, organisation, region)
that the signed-in user may read whole, its live figures, its charts' CSV, and a print
report. Every figure comes from `indicators.reports`, suppressed as the API suppresses."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from accounts.access import Action, sites_for
from indicators.dashboards import CHARTS, Reader, charts, figures, live_figures_html
from indicators.dimensions import DIMENSIONS
from indicators.forms import BreakdownForm, PeriodForm
from indicators.periods import Period
from indicators.reports import (
    ReadableScope,
    ScopeNotReadable,
    ScopeTooWide,
    home_scope_for,
    readable_scope,
)
from indicators.scopes import ScopeError, parse_scope
from indicators.tables import BreakdownTable, columns_with_data

EXPORT_FORMATS = ("csv", "xlsx")


def _readable(request: HttpRequest, kind: str, code: str) -> ReadableScope:
    """The scope, if the user may read it whole; anything else is a 404, as if the scope did
    not exist (a scope beyond the user's rights is not confirmed to exist)."""
    try:
        return readable_scope(caller=request.user, scope=parse_scope(f"{kind}:{code}"))
    except (ScopeError, ScopeNotReadable, ScopeTooWide) as error:
        raise Http404(_("No statistics for that scope.")) from error


def dashboard_url(scope: str, period: Period | None = None, name: str = "dashboard") -> str:
    kind, _separator, code = scope.partition(":")
    url = reverse(f"indicators:{name}", kwargs={"kind": kind, "code": code})
    return f"{url}?{urlencode(period.query())}" if period else url


@login_required
@require_safe
def statistics_home(request: HttpRequest) -> HttpResponse:
    """Managers and analysts go to their dashboard; others choose among their sites."""
    scope = home_scope_for(request.user)
    if scope is not None:
        return redirect(dashboard_url(scope))
    sites = sites_for(request.user, Action.VIEW_STATISTICS).with_place()
    return render(request, "indicators/index.html", {"sites": sites})


def _sub_scopes(readable: ReadableScope) -> list[dict[str, str]]:
    """The narrower dashboards within this one: its municipalities (in a region) and sites."""
    links = []
    if readable.scope.kind == "region":
        municipalities = sorted(
            {(site.municipality.name, site.municipality.code) for site in readable.sites}
        )
        links += [
            {"label": name, "scope": f"municipality:{code}", "kind": _("Municipality")}
            for name, code in municipalities
        ]
    if readable.scope.kind != "site":
        links += [
            {"label": site.name, "scope": f"site:{site.code}", "kind": _("Site")}
            for site in sorted(readable.sites, key=lambda site: site.name)
        ]
    return links


def _period_or_errors(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET)
    return form, form.chosen if form.is_valid() else None


@login_required
@require_safe
def dashboard(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    readable = _readable(request, kind, code)
    form, period = _period_or_errors(request)
    context: dict[str, Any] = {
        "readable": readable,
        "scope": readable.scope,
        "form": form,
        "period": period,
        "sub_scopes": [
            {**link, "url": dashboard_url(link["scope"], period)} for link in _sub_scopes(readable)
        ],
    }
    if period is not None:
        reader = Reader(readable, period)
        scope = str(readable.scope)
        context.update(
            figures(reader),
            charts=charts(reader),
            previous_url=dashboard_url(scope, period.previous()),
            following_url=dashboard_url(scope, period.following()),
            report_url=dashboard_url(scope, period, name="report"),
            live_url=dashboard_url(scope, period, name="live"),
            socket_path=reverse("indicators:dashboard", kwargs={"kind": kind, "code": code}),
            query=urlencode(period.query()),
            table_links=_table_links(readable, period),
            staffing_url=_staffing_url(request, readable),
        )
    return render(request, "indicators/dashboard.html", context)


def _table_links(readable: ReadableScope, period: Period) -> list[dict[str, str]]:
    """The tables behind the dashboard, for the same scope and period, and its visits."""
    table = dashboard_url(str(readable.scope), name="table")
    links = [
        {"label": _("Sites side by side"), "rows": "site"},
        {"label": _("E-services"), "rows": "service"},
    ]
    if readable.scope.kind == "region":
        links.append({"label": _("Municipalities side by side"), "rows": "municipality"})
    visits = reverse("visits:list")
    visit_query = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    if readable.scope.kind == "site":
        visit_query["site"] = readable.scope.code
    return [
        *(
            {
                "label": link["label"],
                "url": f"{table}?{urlencode({**period.query(), 'rows': link['rows']})}",
            }
            for link in links
        ),
        {"label": _("Visit list"), "url": f"{visits}?{urlencode(visit_query)}"},
    ]


def _staffing_url(request: HttpRequest, readable: ReadableScope) -> str | None:
    """The site's opening hours, for whoever manages the site."""
    if readable.scope.kind != "site":
        return None
    if not sites_for(request.user, Action.MANAGE).filter(code=readable.scope.code).exists():
        return None
    return reverse("visits:staffing", kwargs={"site_code": readable.scope.code})


@login_required
@require_safe
def live_figures(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """The tiles and today's counters alone (what an open dashboard redraws when a visit in
    its scope changes, when its WebSocket cannot bring them)."""
    readable = _readable(request, kind, code)
    form, period = _period_or_errors(request)
    if period is None:
        return HttpResponse(status=400)
    return HttpResponse(live_figures_html(readable, period))


@login_required
@require_safe
def report(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """The dashboard as a report to print or hand to the board: A4, no navigation."""
    readable = _readable(request, kind, code)
    form, period = _period_or_errors(request)
    if period is None:
        raise Http404(_("Choose a valid period."))
    reader = Reader(readable, period)
    return render(
        request,
        "indicators/report.html",
        {
            "scope": readable.scope,
            "period": period,
            "generated": timezone.localtime(),
            **figures(reader),
            "charts": charts(reader),
            "dashboard_url": dashboard_url(str(readable.scope), period),
        },
    )


@login_required
@require_safe
def chart_csv(request: HttpRequest, kind: str, code: str, chart: str) -> HttpResponse:
    """A chart's table as CSV: the raw values the chart is drawn from, a suppressed value
    empty."""
    readable = _readable(request, kind, code)
    spec = CHARTS.get(chart)
    form, period = _period_or_errors(request)
    if spec is None or period is None:
        raise Http404(_("No such chart or period."))
    data = spec.build(spec, Reader(readable, period))
    filename = f"{chart}-{kind}-{code}-{period.date_from}--{period.date_to}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark, so that spreadsheet programs read å, ä and ö right.
    response.write("\ufeff")
    writer = csv.writer(response)
    if data is not None:
        writer.writerow([column.heading for column in data.columns])
        for row in data.rows:
            writer.writerow(["" if cell is None else cell for cell in row])
    return response


@login_required
@require_safe
def breakdown_table(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """A sortable table of the scope's indicators per key of one dimension (sites side by
    side, e-services, municipalities, …), optionally for one site or one key of another
    dimension, exported to CSV or XLSX with the same filters (`?_export=csv|xlsx`)."""
    readable = _readable(request, kind, code)
    form = BreakdownForm(request.GET, sites=readable.sites)
    context: dict[str, Any] = {"readable": readable, "scope": readable.scope, "form": form}
    if not form.is_valid():
        return render(request, "indicators/table.html", context)
    period, rows_code = form.chosen, form.cleaned_data["rows"]
    statistics = Reader(readable, period).read(form.cleaned_data["group_by"])
    rows = statistics.table.rows
    if "slice_key" in form.cleaned_data:
        # Rows keyed (row, filter): the filter's key only, keyed by the row's part.
        rows = [
            {**row, "key": row["key"][0], "label": row["label"][0]}
            for row in rows
            if row["key"][1] == form.cleaned_data["slice_key"]
        ]
    table = BreakdownTable(
        rows,
        heading=DIMENSIONS[rows_code].label,
        codes=columns_with_data(rows, statistics.suppressed),
    )
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    export_format = request.GET.get("_export")
    if TableExport.is_valid_format(export_format) and export_format in EXPORT_FORMATS:
        filename = f"statistik-{kind}-{code}-{rows_code}-{period.date_from}--{period.date_to}"
        return TableExport(export_format, table).response(f"{filename}.{export_format}")
    query = request.GET.copy()
    query.pop("_export", None)
    query.pop("page", None)
    context.update(
        table=table,
        period=period,
        rows_label=DIMENSIONS[rows_code].label,
        export_links=[
            (label, f"?{urlencode({**query.dict(), '_export': name})}")
            for name, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))
        ],
        dashboard_url=dashboard_url(str(readable.scope), period),
    )
    return render(request, "indicators/table.html", context)
