"""The rows indicators aggregate over (`Measure.over`), and how each is grouped by every
`group_by` dimension.

A source knows which of its rows fall in a scope and period, and for each dimension which
expression is the row key. Multi-valued dimensions (a visit has several help items and
barriers) group a different queryset, chosen so that no row counts twice:

- visit-level measures by service, provider or mode run over one *representative* help item
  per (visit, key): the one with the lowest id among the visit's help items with that key,
  found by an anti-join (NOT EXISTS an earlier one). Each visit is then one row per key, so
  SUM, AVG and MEDIAN over the visit's fields are right, not only COUNT(DISTINCT);
- visit-level measures by barrier run over the visit–barrier link table, unique per pair;
- help-item-level measures by barrier run over the help items joined to their visit's
  barriers: each help item once per barrier of its visit.

The help-desk issue adds its sources (queue tickets, cases) here.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from indicators.definitions import Path
from indicators.models import Rollup
from organisations.models import Municipality, Site
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpItem,
    HelpMode,
    Provider,
    StaffedHours,
    TaxonomyEntry,
    Visit,
)


@dataclass(frozen=True)
class Period:
    """The scope and period of one computation. `start` and `end` are aware datetimes in
    settings.TIME_ZONE: `end` is midnight after the last day, so the last day counts whole."""

    sites: QuerySet[Site]
    date_from: datetime.date
    date_to: datetime.date
    area_municipalities: QuerySet[Municipality] | None = None
    # Count residents' visits from the rollup tables instead of the visit table.
    from_rollups: bool = False
    # The ids of `sites`, where the caller has them (the rollups are read by id).
    site_ids: tuple[int, ...] | None = None
    # Only these visits, wherever and whenever they are (the rollup cells one write changes);
    # the sites and dates are then ignored.
    visit_ids: tuple[Any, ...] | None = None

    @classmethod
    def of_visits(cls, visit_ids: Iterable[Any]) -> Period:
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


def visits_in(period: Period, visit: Path = ROOT) -> Any:
    """The condition that the visit at `visit` lies in the scope and period."""
    if period.visit_ids is not None:
        return visit.q(pk__in=period.visit_ids)
    return visit.q(site__in=period.sites, started_at__gte=period.start, started_at__lt=period.end)


@dataclass(frozen=True)
class Dimension:
    code: str
    format_key: Callable[[Any], str] = str
    # For keys without label columns: the label to show for a formatted key.
    label: Callable[[str], str] | None = None


def _month(value: datetime.date) -> str:
    return value.strftime("%Y-%m")


def _iso_week(value: datetime.date) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


def _gender_label(key: str) -> str:
    return str(Visit.Gender(key).label) if key in Visit.Gender.values else key


DIMENSIONS: dict[str, Dimension] = {
    dimension.code: dimension
    for dimension in [
        Dimension("month", format_key=_month, label=str),
        Dimension("week", format_key=_iso_week, label=str),
        Dimension("site"),
        Dimension("municipality"),
        Dimension("service"),
        Dimension("provider"),
        Dimension("mode"),
        Dimension("age_band"),
        Dimension("gender", label=_gender_label),
        Dimension("channel"),
        Dimension("barrier"),
    ]
}


@dataclass(frozen=True)
class Grouping:
    """How a source's rows are grouped by one dimension. `key` and `labels` are relative to
    the grouped queryset's model; `path` leads from that model to the source's row (the row
    the measures are written for)."""

    key: Callable[[], Combinable]
    labels: tuple[str, str] | None = None
    queryset: Callable[[Period], QuerySet] | None = None
    path: Path = ROOT
    skip_null_keys: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    queryset: Callable[[Period], QuerySet | None]
    groupings: Mapping[str, Grouping] = field(default_factory=dict)
    # What a row of a dimension without a grouping gets: the value over the whole scope
    # (its rows are not tied to that dimension, e.g. staffed hours by age band) or nothing.
    ungrouped: Literal["total", "null"] = "null"
    # From a row to its visit, for sources of visit data (the rollups key rows by the
    # visit's site and day).
    visit: Path | None = None


def _visit_groupings(visit: Path) -> dict[str, Grouping]:
    """Groupings by the visit's own single-valued fields, reached through `visit`."""

    def by(key: str, labels: tuple[str, str] | None = None) -> Grouping:
        label_paths = (visit(labels[0]), visit(labels[1])) if labels else None
        return Grouping(key=lambda: F(visit(key)), labels=label_paths)

    return {
        "month": Grouping(key=lambda: TruncMonth(visit("started_at"), tzinfo=local_zone())),
        "week": Grouping(key=lambda: TruncWeek(visit("started_at"), tzinfo=local_zone())),
        "site": by("site__code", ("site__name", "site__name")),
        "municipality": by(
            "site__municipality__code", ("site__municipality__name", "site__municipality__name")
        ),
        "age_band": by("age_band_id", ("age_band__label_sv", "age_band__label_en")),
        "gender": by("gender"),
        "channel": by("channel_id", ("channel__label_sv", "channel__label_en")),
    }


def _representative_help_items(key: str) -> Callable[[Period], QuerySet]:
    """One help item per (visit, key) in the period: the first by id."""

    def queryset(period: Period) -> QuerySet:
        earlier = HelpItem.objects.filter(
            visit=OuterRef("visit"), pk__lt=OuterRef("pk"), **{key: OuterRef(key)}
        )
        return HelpItem.objects.filter(visits_in(period, Path("visit__"))).filter(~Exists(earlier))

    return queryset


def _barrier_links(period: Period) -> QuerySet:
    return Visit.barriers.through.objects.filter(visits_in(period, Path("visit__")))


HELP_ITEM_KEYS = {
    "service": ("service_id", ("service__label_sv", "service__label_en")),
    "provider": (
        "service__provider_id",
        ("service__provider__label_sv", "service__provider__label_en"),
    ),
    "mode": ("mode_id", ("mode__label_sv", "mode__label_en")),
}


VISIT_SOURCE = Source(
    name="visit",
    queryset=lambda period: Visit.objects.filter(visits_in(period)),
    visit=ROOT,
    groupings={
        **_visit_groupings(ROOT),
        **{
            dimension: Grouping(
                key=lambda key=key: F(key),
                labels=labels,
                queryset=_representative_help_items(key),
                path=Path("visit__"),
            )
            for dimension, (key, labels) in HELP_ITEM_KEYS.items()
        },
        "barrier": Grouping(
            key=lambda: F("barrier_id"),
            labels=("barrier__label_sv", "barrier__label_en"),
            queryset=_barrier_links,
            path=Path("visit__"),
        ),
    },
)

HELP_ITEM_SOURCE = Source(
    name="help_item",
    queryset=lambda period: HelpItem.objects.filter(visits_in(period, Path("visit__"))),
    visit=Path("visit__"),
    groupings={
        **_visit_groupings(Path("visit__")),
        **{
            dimension: Grouping(key=lambda key=key: F(key), labels=labels)
            for dimension, (key, labels) in HELP_ITEM_KEYS.items()
        },
        # Joins each help item to every barrier of its visit; visits without one drop out.
        "barrier": Grouping(key=lambda: F("visit__barriers"), skip_null_keys=True),
    },
)


def _staffed_hours(period: Period) -> QuerySet:
    return StaffedHours.objects.filter(
        site__in=period.sites, date__gte=period.date_from, date__lte=period.date_to
    )


STAFFED_HOURS_SOURCE = Source(
    name="staffed_hours",
    queryset=_staffed_hours,
    groupings={
        "month": Grouping(key=lambda: TruncMonth("date")),
        "week": Grouping(key=lambda: TruncWeek("date")),
        "site": Grouping(key=lambda: F("site__code")),
        "municipality": Grouping(key=lambda: F("site__municipality__code")),
    },
    ungrouped="total",
)


# Visits grouped by where the visitor lives; only the rollups store this grouping (as the
# `resident` dimension), for the area source below.
RESIDENT = Grouping(key=lambda: F("visitor_municipality__code"))


def _with_visits_by_residents(municipalities: QuerySet[Municipality], period: Period) -> QuerySet:
    if period.from_rollups:
        residents = (
            Rollup.objects.covering(
                sites=period.sites if period.site_ids is None else period.site_ids,
                date_from=period.date_from,
                date_to=period.date_to,
            )
            .filter(dimension="resident", source="visit", key=OuterRef("code"))
            .order_by()
            .values("key")
            .annotate(count=Sum("visits"))
            .values("count")
        )
    else:
        residents = (
            Visit.objects.filter(visits_in(period), visitor_municipality=OuterRef("pk"))
            .order_by()
            .values("visitor_municipality")
            .annotate(count=Count("pk"))
            .values("count")
        )
    return municipalities.annotate(visits_by_residents=Coalesce(Subquery(residents), 0))


def _area(period: Period) -> QuerySet | None:
    if period.area_municipalities is None:
        return None
    return _with_visits_by_residents(period.area_municipalities, period)


def _municipalities_of_sites(period: Period) -> QuerySet:
    municipalities = Municipality.objects.filter(pk__in=period.sites.values("municipality"))
    return _with_visits_by_residents(municipalities, period)


AREA_SOURCE = Source(
    name="area",
    queryset=_area,
    groupings={
        "municipality": Grouping(key=lambda: F("code"), queryset=_municipalities_of_sites),
    },
)


@dataclass(frozen=True)
class RollupGrouping:
    """How the rollup rows (indicators/models.py) are grouped by one dimension: which of
    their dimensions to read (`""`: the plain site-day rows), the key, and where labels
    come from (label columns reached from `Rollup`, or the code list the key belongs to)."""

    dimension: str
    key: Callable[[], Combinable]
    labels: tuple[str, str] | None = None
    code_list: type[TaxonomyEntry] | None = None
    # Weeks straddle months, so only day rows add up to them.
    days_only: bool = False
    # Keyed by the site itself: rows that sum several sites cannot be used.
    per_site: bool = False


def _keyed(dimension: str, code_list: type[TaxonomyEntry] | None = None) -> RollupGrouping:
    return RollupGrouping(dimension, key=lambda: F("key"), code_list=code_list)


ROLLUP_GROUPINGS: dict[str, RollupGrouping] = {
    "month": RollupGrouping("", key=lambda: TruncMonth("day")),
    "week": RollupGrouping("", key=lambda: TruncWeek("day"), days_only=True),
    "site": RollupGrouping(
        "", key=lambda: F("site__code"), labels=("site__name", "site__name"), per_site=True
    ),
    "municipality": RollupGrouping(
        "",
        key=lambda: F("site__municipality__code"),
        labels=("site__municipality__name", "site__municipality__name"),
        per_site=True,
    ),
    "age_band": _keyed("age_band", AgeBand),
    "gender": _keyed("gender"),
    "channel": _keyed("channel", Channel),
    "service": _keyed("service", EService),
    "provider": _keyed("provider", Provider),
    "mode": _keyed("mode", HelpMode),
    "barrier": _keyed("barrier", Barrier),
}

SOURCES: dict[str, Source] = {
    source.name: source
    for source in [VISIT_SOURCE, HELP_ITEM_SOURCE, STAFFED_HOURS_SOURCE, AREA_SOURCE]
}
