"""The periods a dashboard shows: a calendar week, month, quarter or year, or any span of
days; each knows the period before it and the same period a year earlier, which the
dashboards compare it with."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

ONE_DAY = datetime.timedelta(days=1)
# Months and quarters are short enough to plan a week by; longer periods read by month.
WEEKLY_UP_TO = datetime.timedelta(days=92)


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self])


_KIND_LABELS = {
    PeriodKind.WEEK: pgettext_lazy("period", "Week"),
    PeriodKind.MONTH: pgettext_lazy("period", "Month"),
    PeriodKind.QUARTER: pgettext_lazy("period", "Quarter"),
    PeriodKind.YEAR: pgettext_lazy("period", "Year"),
    PeriodKind.CUSTOM: gettext_lazy("Chosen dates"),
}


def _month_start(day: datetime.date, months_back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months_later(first: datetime.date, months: int) -> datetime.date:
    """The last day of the span of `months` months starting on the first of a month."""
    return _month_start(first, -months) - ONE_DAY


def _year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    date_from: datetime.date
    date_to: datetime.date

    @classmethod
    def containing(cls, kind: PeriodKind, day: datetime.date) -> Period:
        """The calendar week (Monday to Sunday), month, quarter or year around `day`."""
        if kind == PeriodKind.WEEK:
            monday = day - datetime.timedelta(days=day.weekday())
            return cls(kind, monday, monday + datetime.timedelta(days=6))
        if kind == PeriodKind.MONTH:
            first = _month_start(day)
            return cls(kind, first, _months_later(first, 1))
        if kind == PeriodKind.QUARTER:
            first = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            return cls(kind, first, _months_later(first, 3))
        if kind == PeriodKind.YEAR:
            return cls(kind, datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
        raise ValueError("A chosen span of days has no calendar period around a day.")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period just before: the previous calendar unit, or as many days before."""
        if self.kind == PeriodKind.CUSTOM:
            return Period(self.kind, self.date_from - self.days * ONE_DAY, self.date_from - ONE_DAY)
        return Period.containing(self.kind, self.date_from - ONE_DAY)

    def following(self) -> Period:
        if self.kind == PeriodKind.CUSTOM:
            return Period(self.kind, self.date_to + ONE_DAY, self.date_to + self.days * ONE_DAY)
        return Period.containing(self.kind, self.date_to + ONE_DAY)

    def year_earlier(self) -> Period:
        """The same period a year before: for a week, the week with the same number."""
        if self.kind == PeriodKind.WEEK:
            year, week, _weekday = self.date_from.isocalendar()
            try:
                monday = datetime.date.fromisocalendar(year - 1, week, 1)
            except ValueError:  # week 53 in a year of 52 weeks
                monday = datetime.date.fromisocalendar(year - 1, 52, 1)
            return Period.containing(self.kind, monday)
        if self.kind == PeriodKind.CUSTOM:
            return Period(self.kind, _year_earlier(self.date_from), _year_earlier(self.date_to))
        return Period.containing(self.kind, _year_earlier(self.date_from))

    def includes(self, day: datetime.date) -> bool:
        return self.date_from <= day <= self.date_to

    def first_days(self, days: int) -> Period:
        """The period's first `days` days (all of it when shorter), as chosen dates: what a
        period still running is compared with, day for day."""
        last = min(self.date_to, self.date_from + (days - 1) * ONE_DAY)
        if last == self.date_to:
            return self
        return Period(PeriodKind.CUSTOM, self.date_from, last)

    @property
    def time_dimension(self) -> str:
        """How the period's charts break time down: by week up to a quarter, else by month."""
        return "week" if self.date_to - self.date_from < WEEKLY_UP_TO else "month"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.WEEK:
            year, week, _weekday = self.date_from.isocalendar()
            return _("Week %(week)d, %(year)d") % {"week": week, "year": year}
        if self.kind == PeriodKind.MONTH:
            return formats.date_format(self.date_from, "F Y").capitalize()
        if self.kind == PeriodKind.QUARTER:
            quarter = (self.date_from.month - 1) // 3 + 1
            return _("Quarter %(quarter)d, %(year)d") % {
                "quarter": quarter,
                "year": self.date_from.year,
            }
        if self.kind == PeriodKind.YEAR:
            return str(self.date_from.year)
        # "1–2 mars 2026", "30 mars – 5 april 2026", "20 december 2025 – 5 januari 2026".
        start, end = self.date_from, self.date_to
        same_year = start.year == end.year
        if same_year and start.month == end.month:
            return f"{start.day}–{formats.date_format(end, 'j F Y')}"
        first = formats.date_format(start, "j F" if same_year else "j F Y")
        return f"{first} – {formats.date_format(end, 'j F Y')}"

    def query(self) -> dict[str, str]:
        """The dashboard's query string for this period."""
        if self.kind == PeriodKind.CUSTOM:
            return {
                "period": self.kind.value,
                "from": self.date_from.isoformat(),
                "to": self.date_to.isoformat(),
            }
        return {"period": self.kind.value, "date": self.date_from.isoformat()}
