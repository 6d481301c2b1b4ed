"""Every indicator (SPEC §7), defined once: its names, its definition in words, and the
database aggregates that compute it.

An aggregate is written relative to the row it aggregates (`Measure.over`):

- `visit`: one visit; the engine may reach it from a help item or a barrier link, so the
  expression builds its field paths with the `Path` it is given instead of hard-coding them;
- `help_item`: one help item (same remark);
- `staffed_hours`: one `visits.StaffedHours` row of the sites and days in scope;
- `queue_ticket`: one ticket of a site's waiting queue, by the day it was issued;
- `case`: one follow-up case, by the day it was opened;
- `area`: the area a row denotes (indicators/engine.py `_AreaPart`): its numerator counts
  the visits at the scope's sites by residents of the area, its denominator sums the
  population over the area's municipalities.

Pages, the API, exports and dashboards read this registry; none of them computes an
indicator on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, F, Q, Sum
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import get_language

from helpdesk.lifecycle import CASE_ACTIVE_STATUSES
from indicators.aggregates import Median

Kind = Literal["count", "share", "mean", "median", "rate"]
Source = Literal["visit", "help_item", "staffed_hours", "area", "queue_ticket", "case"]

SELF_RELIANT_MODES = ("guided", "taught")
AGE_65_PLUS = ("65-74", "75+")
UNKNOWN_AGE = "unknown"
REFERRED = "referred"


@dataclass(frozen=True)
class Path:
    """Where the aggregated row sits relative to the queryset's model, e.g. `visit__` when
    visit-level measures are computed over help items."""

    prefix: str = ""

    def __call__(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def f(self, field: str) -> F:
        return F(self(field))

    def q(self, **lookups: Any) -> Q:
        return Q(**{self(name): value for name, value in lookups.items()})


@dataclass(frozen=True)
class Measure:
    """One aggregate. `name` identifies it wherever it is stored: the rollup tables keep one
    column per additive measure (COUNT or SUM) and a histogram per median's argument, so
    every measure of the rolled-up sources must be one of those (tests/indicators checks)."""

    name: str
    over: Source
    expression: Callable[[Path], Combinable]

    @property
    def is_median(self) -> bool:
        return isinstance(self.expression(Path()), Median)


@dataclass(frozen=True)
class Indicator:
    """One indicator. Counts have a `value`; shares and rates a `numerator` and a
    `denominator`; means and medians a `value` and, as `denominator`, the number of values
    they summarise (suppression needs it). Unavailable indicators have no data source yet
    and are always null."""

    code: str
    label_sv: str
    label_en: str
    definition_sv: str
    definition_en: str
    kind: Kind
    value: Measure | None = None
    numerator: Measure | None = None
    denominator: Measure | None = None
    # A rate is numerator / denominator × per, e.g. 1000 for "per 1,000 inhabitants".
    per: int = 1
    available: bool = True

    @property
    def label(self) -> str:
        return self.label_en if in_english() else self.label_sv

    @property
    def definition(self) -> str:
        return self.definition_en if in_english() else self.definition_sv

    @property
    def measures(self) -> dict[str, Measure]:
        """The measures by part name (`value`, `numerator`, `denominator`)."""
        parts = {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}
        return {part: measure for part, measure in parts.items() if measure is not None}


def in_english() -> bool:
    """Whether labels are shown in English (Swedish otherwise, the default)."""
    return (get_language() or "sv").startswith("en")


def _visits(p: Path) -> Count:
    return Count(p("pk"))


def _help_items(p: Path) -> Count:
    return Count(p("pk"))


VISITS = Measure("visits", "visit", _visits)
HELP_ITEMS = Measure("help_items", "help_item", _help_items)


def _help_items_where(name: str, condition: Callable[[Path], Q]) -> Measure:
    """The help items meeting `condition`: the numerator of every help-item share."""
    return Measure(name, "help_item", lambda p: Count(p("pk"), filter=condition(p)))


def _late(p: Path) -> Q:
    """A case past its service level: resolved on a day after its due date (the day in
    Swedish time), or still being worked on after it."""
    return p.q(resolved_at__date__gt=p.f("due_date")) | p.q(
        status__in=CASE_ACTIVE_STATUSES, due_date__lt=timezone.localdate()
    )


INDICATORS: dict[str, Indicator] = {
    indicator.code: indicator
    for indicator in [
        Indicator(
            code="visits",
            label_sv="Besök",
            label_en="Visits",
            definition_sv="Antal besök, gruppträffar räknade som ett besök.",
            definition_en="Number of visits; a group session counts as one visit.",
            kind="count",
            value=VISITS,
        ),
        Indicator(
            code="people_helped",
            label_sv="Personer som fått hjälp",
            label_en="People helped",
            definition_sv="Summan av deltagare över besöken; gruppträffar räknar varje person.",
            definition_en="Sum of participants over visits; group sessions count each person.",
            kind="count",
            value=Measure("participants", "visit", lambda p: Sum(p("participants"), default=0)),
        ),
        Indicator(
            code="help_items",
            label_sv="Ärenden",
            label_en="Help items",
            definition_sv="Antal ärenden; ett besök kan ha flera.",
            definition_en="Number of help items; a visit can have several.",
            kind="count",
            value=HELP_ITEMS,
        ),
        Indicator(
            code="first_visit_share",
            label_sv="Andel förstagångsbesök",
            label_en="First-visit share",
            definition_sv="Besök som är förstagångsbesök / besök där det är känt om det är ett "
            "förstagångsbesök.",
            definition_en="Visits that are a first visit / visits where this is known.",
            kind="share",
            numerator=Measure(
                "first_visits", "visit", lambda p: Count(p("pk"), filter=p.q(first_visit=True))
            ),
            denominator=Measure(
                "first_visit_known",
                "visit",
                lambda p: Count(p("pk"), filter=p.q(first_visit__isnull=False)),
            ),
        ),
        Indicator(
            code="self_reliance_share",
            label_sv="Andel mot självständighet",
            label_en="Self-reliance share",
            definition_sv="Ärenden där servicevärden vägledde besökaren eller lärde besökaren "
            "göra själv / alla ärenden.",
            definition_en="Help items where the counter staff guided the visitor or taught the "
            "visitor to do it / all help items.",
            kind="share",
            numerator=_help_items_where(
                "self_reliant_items", lambda p: p.q(mode_id__in=SELF_RELIANT_MODES)
            ),
            denominator=HELP_ITEMS,
        ),
        Indicator(
            code="on_behalf_share",
            label_sv="Andel gjort åt besökaren",
            label_en="Share done for the visitor",
            definition_sv="Ärenden där servicevärden gjorde det åt besökaren / alla ärenden.",
            definition_en="Help items where the counter staff did it for the visitor / all help "
            "items.",
            kind="share",
            numerator=_help_items_where("on_behalf_items", lambda p: p.q(mode_id="on_behalf")),
            denominator=HELP_ITEMS,
        ),
        Indicator(
            code="referral_share",
            label_sv="Andel hänvisade vidare",
            label_en="Referral share",
            definition_sv="Ärenden som hänvisades vidare (som hjälpform eller resultat) / alla "
            "ärenden.",
            definition_en="Help items referred on (as help mode or outcome) / all help items.",
            kind="share",
            numerator=_help_items_where(
                "referred_items", lambda p: p.q(mode_id=REFERRED) | p.q(outcome_id=REFERRED)
            ),
            denominator=HELP_ITEMS,
        ),
        Indicator(
            code="resolved_share",
            label_sv="Andel lösta",
            label_en="Resolved share",
            definition_sv="Ärenden med resultatet Löst / alla ärenden.",
            definition_en="Help items with the outcome Resolved / all help items.",
            kind="share",
            numerator=_help_items_where("resolved_items", lambda p: p.q(outcome_id="resolved")),
            denominator=HELP_ITEMS,
        ),
        Indicator(
            code="confidence_uplift",
            label_sv="Ökad trygghet",
            label_en="Confidence uplift",
            definition_sv="Medelvärdet av (trygghet efter − trygghet före) över besök där båda "
            "är angivna.",
            definition_en="Mean of (confidence after − confidence before) over visits with both.",
            kind="mean",
            # A mean is stored as its sum and count, so that it adds up across days and sites.
            # A difference with a NULL side is NULL, and SUM skips NULLs.
            numerator=Measure(
                "confidence_change_sum",
                "visit",
                lambda p: Sum(p.f("confidence_after") - p.f("confidence_before"), default=0),
            ),
            denominator=Measure(
                "confidence_pairs",
                "visit",
                lambda p: Count(
                    p("pk"),
                    filter=p.q(confidence_before__isnull=False, confidence_after__isnull=False),
                ),
            ),
        ),
        Indicator(
            code="median_duration_min",
            label_sv="Mediantid (min)",
            label_en="Median duration (min)",
            definition_sv="Medianen av besökens längd i minuter.",
            definition_en="Median visit duration in minutes.",
            kind="median",
            value=Measure("duration_min", "visit", lambda p: Median(p("duration_min"))),
            denominator=VISITS,
        ),
        Indicator(
            code="age_65_plus_share",
            label_sv="Andel 65+",
            label_en="Share aged 65+",
            definition_sv="Besök i åldersgrupp 65–74 eller 75+ / besök med känd åldersgrupp.",
            definition_en="Visits in age band 65–74 or 75+ / visits with a known age band.",
            kind="share",
            numerator=Measure(
                "age_65_plus",
                "visit",
                lambda p: Count(p("pk"), filter=p.q(age_band_id__in=AGE_65_PLUS)),
            ),
            denominator=Measure(
                "age_known",
                "visit",
                lambda p: Count(p("pk"), filter=~p.q(age_band_id=UNKNOWN_AGE)),
            ),
        ),
        Indicator(
            code="visits_per_1000",
            label_sv="Besök per 1 000 invånare",
            label_en="Visits per 1,000 inhabitants",
            definition_sv="Besök av invånare i ett område (vid platserna i urvalet) per 1 000 "
            "invånare i området. Anges bara där raden är ett område: totalen för en region "
            "eller kommun, och rader per kommun.",
            definition_en="Visits by residents of an area (at the sites in scope) per 1,000 of "
            "its inhabitants. Only given where a row is an area: the total for a region or "
            "municipality, and rows by municipality.",
            kind="rate",
            numerator=Measure("visits_by_residents", "area", lambda p: Count(p("pk"))),
            denominator=Measure("population", "area", lambda p: Sum(p("population"))),
            per=1000,
        ),
        Indicator(
            code="visits_per_staffed_hour",
            label_sv="Besök per bemannad timme",
            label_en="Visits per staffed hour",
            definition_sv="Besök / bemannade timmar vid platserna och dagarna i urvalet.",
            definition_en="Visits / staffed hours at the sites and days in scope.",
            kind="rate",
            numerator=VISITS,
            denominator=Measure("staff_hours", "staffed_hours", lambda p: Sum(p("staff_hours"))),
        ),
        Indicator(
            code="median_wait_min",
            label_sv="Medianväntetid (min)",
            label_en="Median waiting time (min)",
            definition_sv="Medianen av väntetiden i kön i minuter, från kölapp till första "
            "uppropet, över kölappar som ropats upp.",
            definition_en="Median queue waiting time in minutes, from taking a ticket to its "
            "first call, over the tickets called.",
            kind="median",
            value=Measure("waited_min", "queue_ticket", lambda p: Median(p("waited_min"))),
            denominator=Measure(
                "tickets_called",
                "queue_ticket",
                lambda p: Count(p("pk"), filter=p.q(waited_min__isnull=False)),
            ),
        ),
        Indicator(
            code="open_cases",
            label_sv="Öppna uppföljningsärenden",
            label_en="Open follow-up cases",
            definition_sv="Uppföljningsärenden öppnade under perioden som ännu inte är lösta "
            "eller stängda.",
            definition_en="Follow-up cases opened in the period that are not yet resolved or "
            "closed.",
            kind="count",
            value=Measure(
                "open_cases",
                "case",
                lambda p: Count(p("pk"), filter=p.q(status__in=CASE_ACTIVE_STATUSES)),
            ),
        ),
        Indicator(
            code="overdue_case_share",
            label_sv="Andel försenade uppföljningsärenden",
            label_en="Overdue follow-up case share",
            definition_sv="Uppföljningsärenden öppnade under perioden som löstes efter sitt "
            "sista datum, eller som ännu inte är lösta och har passerat det / alla "
            "uppföljningsärenden öppnade under perioden.",
            definition_en="Follow-up cases opened in the period that were resolved after their "
            "due date, or are not yet resolved and past it / all follow-up cases opened in the "
            "period.",
            kind="share",
            numerator=Measure("overdue_cases", "case", lambda p: Count(p("pk"), filter=_late(p))),
            denominator=Measure("cases", "case", lambda p: Count(p("pk"))),
        ),
    ]
}


def measures_by_source(codes: Collection[str] | None = None) -> dict[str, dict[str, Measure]]:
    """Every measure of the available indicators (of those in `codes`) once, by source and
    name."""
    measures: dict[str, dict[str, Measure]] = {}
    for indicator in INDICATORS.values():
        if indicator.available and (codes is None or indicator.code in codes):
            for measure in indicator.measures.values():
                measures.setdefault(measure.over, {})[measure.name] = measure
    return measures
