"""Every dimension statistics are grouped by, declared once: how it keys a visit's rows, how
its rollup rows are read, and how its keys are labelled in Swedish and English. The engine
(indicators/engine.py), the rollup upkeep (indicators/rollups.py) and the API's `group_by`
all read `DIMENSIONS`; adding a dimension is one entry here (and, for a keyed one, the
migration that rebuilds the rollups).

There are two kinds:

- a **site-day** dimension (month, week, site, municipality) is a property of a row's site
  and day. Every kind of row has both (a visit its site and start, a staffed-hours row its
  site and date, a rollup row its site and day), so the rollups need no rows of their own
  for it: the plain site-day rows serve it;
- a **keyed** dimension (age band, gender, channel, service, provider, mode, barrier,
  resident municipality) is a property of the visit or its help items; the rollups keep
  rows per key (`Rollup.dimension` is its code). Multi-valued ones (a visit has several help
  items and barriers) group a different queryset, chosen so that no row counts twice:

  - visit-level measures by service, provider or mode run over one *representative* help
    item per (visit, key): the one with the lowest id among the visit's help items with that
    key, found by an anti-join (NOT EXISTS an earlier one). Each visit is then one row per
    key, so SUM, AVG and MEDIAN over the visit's fields are right, not only COUNT(DISTINCT);
  - visit-level measures by barrier run over the visit–barrier link table, unique per pair;
  - help-item-level measures by barrier run over the help items joined to their visit's
    barriers: each help item once per barrier of its visit.

A breakdown may combine several dimensions (municipality × month for open data, mode ×
month for the help-mode ladder) when at most one of them is keyed: the rollups keep no rows
per pair of keys.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import CharField, Exists, F, Func, OuterRef, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import (
    Cast,
    Concat,
    ExtractHour,
    ExtractIsoWeekDay,
    LPad,
    TruncMonth,
    TruncWeek,
)
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from indicators.definitions import Path, in_english
from indicators.sources import ROOT, Selection, SiteDay, local_zone, visits_in
from organisations.models import Municipality, Site
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpItem,
    HelpMode,
    Provider,
    TaxonomyEntry,
    Visit,
)

RolledSource = Literal["visit", "help_item"]


@dataclass(frozen=True)
class Grouping:
    """How one source's rows are grouped by a keyed dimension. `key` is relative to the
    grouped queryset's model; `queryset` replaces the source's rows (None: the source's own);
    `path` leads from the grouped model to the source's row (the row the measures are
    written for)."""

    key: Callable[[], Combinable]
    queryset: Callable[[Selection], QuerySet] | None = None
    path: Path = ROOT
    skip_null_keys: bool = False


# From a row of each rolled source to its visit.
VISIT_OF: dict[str, Path] = {"visit": ROOT, "help_item": Path("visit__")}


@dataclass(frozen=True)
class Dimension:
    code: str
    # Offered as `group_by`; the others serve one indicator (the resident municipality:
    # visits per 1,000 inhabitants).
    public: bool = True

    @property
    def keyed(self) -> bool:
        return not isinstance(self, SiteDayDimension)

    @property
    def label(self) -> str:
        """What a row of this breakdown is, as a column heading or a filter's label."""
        return capfirst(str(DIMENSION_LABELS.get(self.code, self.code)))

    def format_key(self, value: Any) -> str:
        return str(value)

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        """The label of each key, in the active language (at most one query)."""
        return {key: key for key in keys}


@dataclass(frozen=True)
class SiteDayDimension(Dimension):
    def key(self, row: SiteDay) -> Combinable:
        raise NotImplementedError

    # Keyed by the site itself: rows that sum several sites (the region rows of the
    # histograms) cannot serve it.
    per_site: bool = False
    # Weeks straddle months: only day rows add up to them.
    days_only: bool = False


@dataclass(frozen=True)
class TimeDimension(SiteDayDimension):
    truncate: type[Func] = TruncMonth
    key_format: Callable[[datetime.date], str] = str

    def key(self, row: SiteDay) -> Combinable:
        return self.truncate(row.moment, tzinfo=local_zone() if row.local else None)

    key_label: Callable[[str], str] = str

    def format_key(self, value: Any) -> str:
        if isinstance(value, str):  # SQLite's raw answer, where no converter ran
            value = datetime.date.fromisoformat(value[:10])
        return self.key_format(value)

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        return {key: self.key_label(key) for key in keys}


@dataclass(frozen=True)
class PlaceDimension(SiteDayDimension):
    # From the site to the key, and the model whose `code` it is (it gives the name).
    field: str = "code"
    named: type[Site] | type[Municipality] = Site
    per_site: bool = True

    def key(self, row: SiteDay) -> Combinable:
        return F(row.site(self.field))

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        return dict(self.named.objects.filter(code__in=list(keys)).values_list("code", "name"))


@dataclass(frozen=True)
class KeyedDimension(Dimension):
    # The sources whose rollup rows keep this dimension, and whether its medians keep
    # histograms.
    rolled_sources: tuple[RolledSource, ...] = ("visit", "help_item")
    histograms: bool = True
    code_list: type[TaxonomyEntry] | type[Municipality] | None = None

    def grouping(self, source: str) -> Grouping | None:
        raise NotImplementedError

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        if self.code_list is None:
            return super().labels(keys)
        if self.code_list is Municipality:
            return dict(
                Municipality.objects.filter(code__in=list(keys)).values_list("code", "name")
            )
        english = in_english()
        return {
            code: (label_en if english else label_sv) or code
            for code, label_sv, label_en in self.code_list.objects.filter(
                pk__in=list(keys)
            ).values_list("pk", "label_sv", "label_en")
        }


@dataclass(frozen=True)
class VisitFieldDimension(KeyedDimension):
    """A single-valued field of the visit."""

    field: str = ""
    choices: type[Visit.Gender] | None = None

    def grouping(self, source: str) -> Grouping | None:
        visit = VISIT_OF.get(source)
        if visit is None:
            return None
        return Grouping(key=lambda: F(visit(self.field)))

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        if self.choices is None:
            return super().labels(keys)
        return {
            key: str(self.choices(key).label) if key in self.choices.values else key for key in keys
        }


@dataclass(frozen=True)
class WeekdayHourDimension(KeyedDimension):
    """When the visit began, by weekday and hour in Swedish time: keys like "1-09" (Monday,
    9–10), ISO weekdays 1 (Monday) to 7. The rollups keep days, not hours, so this is a
    keyed dimension of its own; it draws the staffing heatmap."""

    def grouping(self, source: str) -> Grouping | None:
        visit = VISIT_OF.get(source)
        if visit is None:
            return None
        return Grouping(key=lambda: weekday_hour_key(visit("started_at")))

    def labels(self, keys: Collection[str]) -> dict[str, str]:
        return {key: _weekday_hour_label(key) for key in keys}


def weekday_hour_key(moment: str) -> Combinable:
    zone = local_zone()
    hour = Cast(ExtractHour(moment, tzinfo=zone), CharField())
    return Concat(
        Cast(ExtractIsoWeekDay(moment, tzinfo=zone), CharField()),
        Value("-"),
        LPad(hour, 2, Value("0")),
        output_field=CharField(),
    )


def _weekday_hour_label(key: str) -> str:
    """ "måndag 09–10" / "Monday 09–10"."""
    weekday, hour = (int(part) for part in key.split("-"))
    # 2024-01-01 was a Monday: a date with the right weekday for the localised name.
    name = formats.date_format(datetime.date(2024, 1, weekday), "l")
    return f"{name} {hour:02d}–{(hour + 1) % 24:02d}"


@dataclass(frozen=True)
class HelpItemFieldDimension(KeyedDimension):
    """A field of the visit's help items: a visit has one key per distinct value."""

    field: str = ""

    def grouping(self, source: str) -> Grouping | None:
        if source == "help_item":
            return Grouping(key=lambda: F(self.field))
        if source == "visit":
            return Grouping(
                key=lambda: F(self.field),
                queryset=self._representative_help_items,
                path=Path("visit__"),
            )
        return None

    def _representative_help_items(self, selection: Selection) -> QuerySet:
        """One help item per (visit, key) in the selection: the first by id."""
        earlier = HelpItem.objects.filter(
            visit=OuterRef("visit"), pk__lt=OuterRef("pk"), **{self.field: OuterRef(self.field)}
        )
        return HelpItem.objects.filter(visits_in(selection, Path("visit__"))).filter(
            ~Exists(earlier)
        )


@dataclass(frozen=True)
class BarrierDimension(KeyedDimension):
    def grouping(self, source: str) -> Grouping | None:
        if source == "help_item":
            # Joins each help item to every barrier of its visit; visits without one drop out.
            return Grouping(key=lambda: F("visit__barriers"), skip_null_keys=True)
        if source == "visit":
            return Grouping(
                key=lambda: F("barrier_id"), queryset=_barrier_links, path=Path("visit__")
            )
        return None


def _barrier_links(selection: Selection) -> QuerySet:
    return Visit.barriers.through.objects.filter(visits_in(selection, Path("visit__")))


def _month(value: datetime.date) -> str:
    return value.strftime("%Y-%m")


def _iso_week(value: datetime.date) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


def _month_label(key: str) -> str:
    """ "mars 2026" / "March 2026"."""
    first = datetime.date.fromisoformat(f"{key}-01")
    return formats.date_format(first, "F Y").capitalize()


def _week_label(key: str) -> str:
    """ "v. 12 2026" / "wk 12 2026": a week is known by its number in Sweden."""
    year, week = key.split("-W")
    return _("wk %(week)d %(year)s") % {"week": int(week), "year": year}


MONTH = TimeDimension("month", truncate=TruncMonth, key_format=_month, key_label=_month_label)
MUNICIPALITY = PlaceDimension("municipality", field="municipality__code", named=Municipality)
# Where the visitor lives (SCB code): the rows visits per 1,000 inhabitants counts.
RESIDENT = VisitFieldDimension(
    "resident",
    public=False,
    field="visitor_municipality__code",
    code_list=Municipality,
    rolled_sources=("visit",),
    histograms=False,
)

DIMENSIONS: dict[str, Dimension] = {
    dimension.code: dimension
    for dimension in [
        MONTH,
        TimeDimension(
            "week",
            truncate=TruncWeek,
            key_format=_iso_week,
            key_label=_week_label,
            days_only=True,
        ),
        PlaceDimension("site", field="code", named=Site),
        MUNICIPALITY,
        HelpItemFieldDimension("service", field="service_id", code_list=EService),
        HelpItemFieldDimension("provider", field="service__provider_id", code_list=Provider),
        HelpItemFieldDimension("mode", field="mode_id", code_list=HelpMode),
        VisitFieldDimension("age_band", field="age_band_id", code_list=AgeBand),
        VisitFieldDimension("gender", field="gender", choices=Visit.Gender),
        VisitFieldDimension("channel", field="channel_id", code_list=Channel),
        BarrierDimension("barrier", code_list=Barrier),
        WeekdayHourDimension("weekday_hour"),
        RESIDENT,
    ]
}

DIMENSION_LABELS = {
    "month": pgettext_lazy("period", "Month"),
    "week": pgettext_lazy("period", "Week"),
    "site": gettext_lazy("Site"),
    "municipality": gettext_lazy("Municipality"),
    "service": gettext_lazy("E-service"),
    "provider": gettext_lazy("Provider"),
    "mode": gettext_lazy("Help mode"),
    "age_band": gettext_lazy("Age band"),
    "gender": gettext_lazy("Gender"),
    "channel": gettext_lazy("Channel"),
    "barrier": gettext_lazy("Barrier"),
    "weekday_hour": gettext_lazy("Weekday and hour"),
    "resident": gettext_lazy("Municipality of residence"),
}

GROUP_BY_CHOICES: tuple[str, ...] = tuple(code for code, d in DIMENSIONS.items() if d.public)


def keyed_dimensions() -> list[KeyedDimension]:
    return [d for d in DIMENSIONS.values() if isinstance(d, KeyedDimension)]
