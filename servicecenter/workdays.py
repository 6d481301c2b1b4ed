"""Sweden's calendar of working days: the public holidays, and counting working days from a
date (a follow-up case's due date, SPEC §6). One place, so that a site's opening hours and the
help-desk's service levels agree on which days are holidays."""

from __future__ import annotations

import datetime

import holidays
from django.utils.translation import get_language
from holidays.constants import DE_FACTO, PUBLIC

SATURDAY = 5


def public_holidays(
    *, date_from: datetime.date, date_to: datetime.date
) -> dict[datetime.date, str]:
    """Sweden's public holidays from `date_from` to `date_to`, with their names in the current
    language: the holidays of the law on public holidays (allmänna helgdagar) and the eves the
    law treats as such, Midsummer Eve, Christmas Eve and New Year's Eve (the library's
    DE_FACTO category). The library can count every Sunday as a holiday too; that is turned
    off, so that a regular Sunday is the weekly pattern's to decide. Easter Day and Whitsunday
    remain, as the holidays they are."""
    language = "en_US" if (get_language() or "sv").startswith("en") else "sv"
    found = holidays.country_holidays(
        "SE",
        years=range(date_from.year, date_to.year + 1),
        categories=(PUBLIC, DE_FACTO),
        include_sundays=False,
        language=language,
    )
    return {day: name for day, name in sorted(found.items()) if date_from <= day <= date_to}


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`: Monday to Friday, public holidays and the
    eves kept as holidays excepted. Zero days is `start` itself, or the next working day when
    `start` is none (a case opened on a Sunday is due on the Monday at the earliest)."""
    # Generous bounds for the holiday lookup: a week of holidays per month is more than
    # Sweden has, so the answer always lies inside.
    horizon = start + datetime.timedelta(days=days * 2 + 31)
    closed = public_holidays(date_from=start, date_to=horizon).keys()

    def is_working_day(day: datetime.date) -> bool:
        return day.weekday() < SATURDAY and day not in closed

    day = start
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    for _ in range(days):
        day += datetime.timedelta(days=1)
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
    return day
