from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Sequence
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
        sites: models.QuerySet | Sequence[int],
        date_from: datetime.date,
        date_to: datetime.date,
        days_only: bool = False,
        month_sites: models.Q | None = None,
    ) -> Self:
        """The rows at `sites` that cover each day from `date_from` to `date_to` (inclusive)
        exactly once: month rows for the whole months, day rows for the days around them.
        `month_sites` replaces the site condition for the month rows."""
        first_whole = date_from if date_from.day == 1 else next_month(date_from)
        after_whole = month_start(date_to + datetime.timedelta(days=1))
        at_sites = models.Q(site__in=sites)
        if days_only or first_whole >= after_whole:
            ranges = [models.Q(at_sites, grain="day", day__gte=date_from, day__lte=date_to)]
        else:
            months = models.Q(grain="month", day__gte=first_whole, day__lt=after_whole)
            ranges = [months & (at_sites if month_sites is None else month_sites)]
            # Only the parts that exist: an empty range still costs an index scan.
            if date_from < first_whole:
                ranges.append(
                    models.Q(at_sites, grain="day", day__gte=date_from, day__lt=first_whole)
                )
            if after_whole <= date_to:
                ranges.append(
                    models.Q(at_sites, grain="day", day__gte=after_whole, day__lte=date_to)
                )
        return self.filter(functools.reduce(operator.or_, ranges))
