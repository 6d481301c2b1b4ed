"""The rows indicators aggregate over (`Measure.over`) and which of them one computation
selects. How rows are grouped is the dimensions' business (indicators/dimensions.py).

The help-desk's rows are here too: queue tickets by the day they were issued, follow-up
cases by the day they were opened.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from helpdesk.models import Case, QueueTicket
from indicators.definitions import Path
from organisations.models import Municipality, Site
from visits.models import HelpItem, StaffedHours, Visit


@dataclass(frozen=True)
class Selection:
    """Which rows one computation reads: the visits (and staffed hours) at `sites` from
    `date_from` to `date_to` inclusive, in Swedish days, and the area the scope denotes
    (for visits per 1,000 inhabitants). `start` and `end` are aware datetimes in
    settings.TIME_ZONE: `end` is midnight after the last day, so the last day counts whole."""

    sites: QuerySet[Site]
    date_from: datetime.date
    date_to: datetime.date
    area_municipalities: QuerySet[Municipality] | None = None
    # The ids of `sites`, where the caller has them (the rollups are read by id).
    site_ids: tuple[int, ...] | None = None
    # Only these visits, wherever and whenever they are (the rollup cells one write changes);
    # the sites and dates are then ignored.
    visit_ids: tuple[Any, ...] | None = None

    @classmethod
    def of_visits(cls, visit_ids: Iterable[Any]) -> Selection:
        return cls(
            sites=Site.objects.none(),
            date_from=datetime.date.min,
            date_to=datetime.date.min,
            visit_ids=tuple(visit_ids),
        )

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date_from, datetime.time.min, tzinfo=local_zone())

    @property
    def end(self) -> datetime.datetime:
        next_day = self.date_to + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time.min, tzinfo=local_zone())


def local_zone() -> zoneinfo.ZoneInfo:
    # Explicit rather than the active time zone: a request may activate another one, and the
    # statistics of a Swedish service centre follow Swedish days and months whoever asks.
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


ROOT = Path()


def visits_in(selection: Selection, visit: Path = ROOT) -> Any:
    """The condition that the visit at `visit` lies in the scope and selection."""
    if selection.visit_ids is not None:
        return visit.q(pk__in=selection.visit_ids)
    return visit.q(
        site__in=selection.sites, started_at__gte=selection.start, started_at__lt=selection.end
    )


@dataclass(frozen=True)
class SiteDay:
    """Where a kind of row keeps its site and its moment: `site` leads to the Site, `moment`
    is the field, a datetime read in Swedish time when `local`, else a date. Month, week,
    site and municipality are properties of these two (indicators/dimensions.py)."""

    site: Path
    moment: str
    local: bool

    @classmethod
    def of_visit(cls, visit: Path) -> SiteDay:
        return cls(site=Path(visit("site__")), moment=visit("started_at"), local=True)


ROLLUP_ROW = SiteDay(site=Path("site__"), moment="day", local=False)


@dataclass(frozen=True)
class Source:
    name: str
    queryset: Callable[[Selection], QuerySet | None]
    # What a row of a dimension the source's rows are not tied to gets: the value over the
    # whole scope (e.g. staffed hours by age band) or nothing.
    ungrouped: Literal["total", "null"] = "null"
    # From a row to its visit, for sources of visit data.
    visit: Path | None = None
    # Where a row of a source without visits keeps its site and day.
    site_day: SiteDay | None = None

    def site_day_via(self, path: Path) -> SiteDay:
        """The site and day of the source's row reached by `path` from a grouped row."""
        if self.visit is None:
            assert self.site_day is not None
            return self.site_day
        return SiteDay.of_visit(Path(path.prefix + self.visit.prefix))


VISIT_SOURCE = Source(
    name="visit",
    queryset=lambda selection: Visit.objects.filter(visits_in(selection)),
    visit=ROOT,
)

HELP_ITEM_SOURCE = Source(
    name="help_item",
    queryset=lambda selection: HelpItem.objects.filter(visits_in(selection, Path("visit__"))),
    visit=Path("visit__"),
)


def _staffed_hours(selection: Selection) -> QuerySet:
    # Hours are planned ahead (visits.services.staffed_hours_refresh), but only the days that
    # have begun were worked: a period running past today relates its visits to those.
    last_day = min(selection.date_to, timezone.localdate())
    return StaffedHours.objects.filter(
        site__in=selection.sites, date__gte=selection.date_from, date__lte=last_day
    )


STAFFED_HOURS_SOURCE = Source(
    name="staffed_hours",
    queryset=_staffed_hours,
    site_day=SiteDay(site=Path("site__"), moment="date", local=False),
    ungrouped="total",
)


QUEUE_TICKET_SOURCE = Source(
    name="queue_ticket",
    queryset=lambda selection: QueueTicket.objects.filter(
        site__in=selection.sites, day__gte=selection.date_from, day__lte=selection.date_to
    ),
    site_day=SiteDay(site=Path("site__"), moment="day", local=False),
)

CASE_SOURCE = Source(
    name="case",
    queryset=lambda selection: Case.objects.filter(
        site__in=selection.sites, created_at__gte=selection.start, created_at__lt=selection.end
    ),
    site_day=SiteDay(site=Path("site__"), moment="created_at", local=True),
)


SOURCES: dict[str, Source] = {
    source.name: source
    for source in [
        VISIT_SOURCE,
        HELP_ITEM_SOURCE,
        STAFFED_HOURS_SOURCE,
        QUEUE_TICKET_SOURCE,
        CASE_SOURCE,
    ]
}
