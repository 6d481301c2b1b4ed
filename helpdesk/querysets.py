from __future__ import annotations

import datetime

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from helpdesk.lifecycle import CASE_ACTIVE_STATUSES as ACTIVE


class CaseQuerySet(models.QuerySet):
    def active(self) -> CaseQuerySet:
        """Cases the centre still owes the visitor something on."""
        return self.filter(status__in=ACTIVE)

    def overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        return self.active().filter(due_date__lt=today or timezone.localdate())

    def with_overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Each case annotated `is_overdue`, for lists that highlight them."""
        overdue = Q(status__in=ACTIVE, due_date__lt=today or timezone.localdate())
        return self.annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))

    def for_list(self) -> CaseQuerySet:
        return self.select_related("site", "service", "assignee").with_overdue()

    def for_detail(self) -> CaseQuerySet:
        return self.select_related(
            "site", "service__provider", "assignee", "referral_agency", "referred_by", "visit"
        )
