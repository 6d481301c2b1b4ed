from __future__ import annotations

import datetime
from typing import Self

from django.db import models


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class RollupQuerySet(models.QuerySet):
    def covering(
        self,
        *,
        sites: models.QuerySet | list[int],
        date_from: datetime.date,
        date_to: datetime.date,
        days_only: bool = False,
    ) -> Self:
        """The rows at `sites` that cover each day from `date_from` to `date_to` (inclusive)
        exactly once: month rows for the whole months, day rows for the days around them."""
        first_whole = date_from if date_from.day == 1 else next_month(date_from)
        after_whole = month_start(date_to + datetime.timedelta(days=1))
        in_sites = models.Q(site__in=sites)
        if days_only or first_whole >= after_whole:
            return self.filter(in_sites, grain="day", day__gte=date_from, day__lte=date_to)
        return self.filter(
            in_sites,
            models.Q(grain="month", day__gte=first_whole, day__lt=after_whole)
            | models.Q(grain="day", day__gte=date_from, day__lt=first_whole)
            | models.Q(grain="day", day__gte=after_whole, day__lte=date_to),
        )
