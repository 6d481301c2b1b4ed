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

    def started_between(self, first_day: datetime.date, last_day: datetime.date) -> VisitQuerySet:
        """Visits started from the first day to the last, both whole days in the local time
        zone. Bounds on started_at itself, so the (site, started_at) index serves them."""
        start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
        )
        return self.filter(started_at__gte=start, started_at__lt=end)

    def with_help_item(
        self, *, services=(), provider=None, modes=(), outcome=None
    ) -> VisitQuerySet:
        """Visits with at least one help item matching every condition given: one EXISTS
        subquery, so a visit with two matching help items is still listed once."""
        conditions = models.Q()
        if services:
            conditions &= models.Q(service__in=services)
        if provider is not None:
            conditions &= models.Q(service__provider=provider)
        if modes:
            conditions &= models.Q(mode__in=modes)
        if outcome is not None:
            conditions &= models.Q(outcome=outcome)
        if not conditions:
            return self
        return self.filter(
            models.Exists(self._help_items().filter(conditions, visit=models.OuterRef("pk")))
        )

    def with_barrier(self, barriers) -> VisitQuerySet:
        """Visits that met any of the barriers (an EXISTS subquery: no duplicates)."""
        if not barriers:
            return self
        through = self.model.barriers.through
        return self.filter(
            models.Exists(through.objects.filter(visit=models.OuterRef("pk"), barrier__in=barriers))
        )

    def _help_items(self) -> models.QuerySet:
        # Reached through the relation: the models import this module, so it cannot import
        # them.
        return self.model._meta.get_field("help_items").related_model.objects.all()

    def for_visit_list(self) -> VisitQuerySet:
        """What the visit list and its exports show, in a fixed number of queries per page or
        per chunk: the visit with its site and taxonomies, then its help items with their
        e-service, help mode and outcome in one more query. The note is never read: free text
        stays out of lists and exports."""
        return (
            self.select_related("site", "channel", "age_band")
            .prefetch_related(
                models.Prefetch(
                    "help_items",
                    queryset=self._help_items().select_related("service", "mode", "outcome"),
                )
            )
            .defer("note")
        )
