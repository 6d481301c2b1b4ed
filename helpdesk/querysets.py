from __future__ import annotations

import datetime

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from helpdesk.lifecycle import APPOINTMENT_HOLDING_STATUSES, TICKET_AT_DESK_STATUSES, TicketStatus
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


# --- The waiting queue (SPEC §6) ------------------------------------------------------------


class QueueTicketQuerySet(models.QuerySet):
    def of_day(self, site, day: datetime.date | None = None) -> QueueTicketQuerySet:
        """A site's tickets of one day (today by default): numbers start again each day, and a
        ticket left waiting last night is not called this morning."""
        return self.filter(site=site, day=day or timezone.localdate())

    def waiting(self) -> QueueTicketQuerySet:
        """Waiting tickets, first come first: the order call-next takes them in."""
        return self.filter(status=TicketStatus.WAITING).order_by("issued_at", "pk")

    def at_desks(self) -> QueueTicketQuerySet:
        """Called to a desk and not yet ended, the latest call first: what the display shows."""
        return self.filter(status__in=TICKET_AT_DESK_STATUSES).order_by("-announced_at", "-pk")

    def for_panel(self) -> QueueTicketQuerySet:
        return self.select_related("service")


# --- Appointments (SPEC §6) -----------------------------------------------------------------


class AppointmentQuerySet(models.QuerySet):
    def of_day(self, site, day: datetime.date | None = None) -> AppointmentQuerySet:
        """A site's appointments starting on one local day (today by default), by time."""
        day = day or timezone.localdate()
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
        return self.filter(site=site, starts_at__gte=start, starts_at__lt=end).order_by(
            "starts_at", "pk"
        )

    def holding(self) -> AppointmentQuerySet:
        """The ones that hold their staff member's time (booked, or the visitor came)."""
        return self.filter(status__in=APPOINTMENT_HOLDING_STATUSES)

    def overlapping(
        self, staff, starts_at: datetime.datetime, ends_at: datetime.datetime
    ) -> AppointmentQuerySet:
        """The staff member's appointments holding time that overlaps [starts_at, ends_at):
        one ending exactly when the other starts does not overlap, as in the database's
        exclusion constraint (a tstzrange is half-open)."""
        return self.holding().filter(staff=staff, starts_at__lt=ends_at, ends_at__gt=starts_at)

    def for_listing(self) -> AppointmentQuerySet:
        return self.select_related("staff", "service", "site")
