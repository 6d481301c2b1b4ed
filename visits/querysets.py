from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.utils import timezone


class TaxonomyQuerySet(models.QuerySet):
    def active(self) -> TaxonomyQuerySet:
        return self.filter(is_active=True)

    def for_form(self, current: object | None = None) -> TaxonomyQuerySet:
        """Active entries, plus the one an existing record already uses (it stays valid)."""
        condition = models.Q(is_active=True)
        if current is not None:
            condition |= models.Q(pk=getattr(current, "pk", current))
        return self.filter(condition)


class EServiceQuerySet(TaxonomyQuerySet):
    def with_provider(self) -> EServiceQuerySet:
        return self.select_related("provider")

    def most_used_at(self, site, *, days: int = 90, limit: int = 8) -> EServiceQuerySet:
        """The site's most used active services over the last `days`, most used first."""
        since = timezone.now() - datetime.timedelta(days=days)
        return (
            self.active()
            .filter(help_items__visit__site=site, help_items__visit__started_at__gte=since)
            .annotate(uses=Count("help_items"))
            .order_by("-uses", "sort_order", "code")[:limit]
        )


def undo_window() -> datetime.timedelta:
    """How long after saving a visit its author may undo it: the seconds the screen promises
    and a grace for slow networks."""
    return datetime.timedelta(
        seconds=settings.VISIT_UNDO_SECONDS + settings.VISIT_UNDO_GRACE_SECONDS
    )


class VisitQuerySet(models.QuerySet):
    def still_undoable(self) -> VisitQuerySet:
        """Visits saved so recently that their author may still undo them."""
        return self.filter(created_at__gte=timezone.now() - undo_window())

    def at_sites(self, sites) -> VisitQuerySet:
        return self.filter(site__in=sites)

    def started_on(self, day: datetime.date) -> VisitQuerySet:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))

    def started_today(self) -> VisitQuerySet:
        return self.started_on(timezone.localdate())

    def for_listing(self) -> VisitQuerySet:
        """Everything a list of visits shows, fetched in a fixed number of queries."""
        return self.select_related("site", "channel", "age_band", "created_by").prefetch_related(
            "help_items__service", "help_items__mode", "help_items__outcome"
        )
