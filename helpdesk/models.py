"""The help-desk (SPEC §6): follow-up cases, the waiting queue and appointments.

Which status may follow which is declared in helpdesk.lifecycle; helpdesk.services applies it
(helpdesk.appointment_services for appointments), and nothing else writes a case, a queue
ticket or an appointment."""

import string

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.lifecycle import (
    APPOINTMENT_HOLDING_STATUSES,
    APPOINTMENT_TRANSITIONS,
    CASE_TRANSITIONS,
    TICKET_AT_DESK_STATUSES,
    TICKET_ENDED_STATUSES,
    TICKET_TRANSITIONS,
    AppointmentStatus,
    CasePriority,
    CaseStatus,
    TicketStatus,
)
from helpdesk.querysets import AppointmentQuerySet, CaseQuerySet, QueueTicketQuerySet
from servicecenter.personal_data import validate_no_personal_data_in_case

CASE_TITLE_MAX_LENGTH = 200
CASE_TEXT_MAX_LENGTH = 4000
CASE_CONTACT_NAME_MAX_LENGTH = 200
CASE_SEQUENCE_DIGITS = 5
CASE_TEXT_VALIDATORS = (validate_no_personal_data_in_case,)


class ServiceLevel(models.Model):
    """How many working days the centre has to resolve a case of a priority."""

    priority = models.CharField(
        _("priority"), max_length=10, choices=CasePriority.choices, primary_key=True
    )
    working_days = models.PositiveSmallIntegerField(
        _("working days"), help_text=_("Working days from opening to the due date.")
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=CasePriority.values),
                name="service_level_priority_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(working_days__lte=60), name="service_level_days_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.working_days}"


class CaseNumberSequence(models.Model):
    """The last case number given at a site in a year. Incremented in the creating
    transaction, so a rolled-back creation gives its number back: no gaps, no duplicates."""

    site = models.ForeignKey("organisations.Site", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="case_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.year}: {self.last}"


class VisitorContact(models.Model):
    """A visitor's contact details, on a follow-up case or a booking: the only personal data
    the system holds (SPEC §3), kept only with the visitor's recorded consent
    (services.contact_details_apply) and cleared some days after the case is closed or the
    booking has passed (purge_personal_data)."""

    contact_consent_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    contact_name = models.CharField(_("name"), max_length=CASE_CONTACT_NAME_MAX_LENGTH, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            # No contact details without the visitor's recorded consent.
            models.CheckConstraint(
                condition=models.Q(contact_consent_at__isnull=False)
                | models.Q(contact_name="", contact_phone="", contact_email=""),
                name="%(class)s_contact_needs_consent",
            ),
        ]

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class Case(VisitorContact):
    """A follow-up case (uppföljningsärende): what the counter could not finish."""

    class Source(models.TextChoices):
        COUNTER = "counter", _("Counter")
        API = "api", _("API")

    Status = CaseStatus
    Priority = CasePriority

    number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
    site = models.ForeignKey(
        "organisations.Site", on_delete=models.PROTECT, related_name="cases", verbose_name=_("site")
    )
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("visit"),
    )
    service = models.ForeignKey(
        "visits.EService", on_delete=models.PROTECT, related_name="+", verbose_name=_("e-service")
    )
    title = models.CharField(
        _("title"), max_length=CASE_TITLE_MAX_LENGTH, validators=list(CASE_TEXT_VALIDATORS)
    )
    description = models.TextField(
        _("description"),
        max_length=CASE_TEXT_MAX_LENGTH,
        blank=True,
        validators=list(CASE_TEXT_VALIDATORS),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    referral_agency = models.ForeignKey(
        "visits.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred to"),
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COUNTER)
    referred_by = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_cases",
        verbose_name=_("referred by"),
        help_text=_("The partner organisation that referred the visitor, through the API."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by case_create (its `now`), not auto_now_add: statistics count a case by the day it
    # was opened, and a workflow given a moment must be able to say which.
    created_at = models.DateTimeField(_("opened"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by the workflows when they happen; statistics never guess them from updated_at.
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta(VisitorContact.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        indexes = [
            models.Index(fields=["site", "status"], name="case_site_status"),
            models.Index(fields=["due_date"], name="case_due_date"),
        ]
        constraints = [
            *VisitorContact.Meta.constraints,
            models.UniqueConstraint(
                fields=["site", "year", "sequence"], name="case_number_unique_per_site_year"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=CasePriority.values), name="case_priority_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="case_sequence_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["resolved", "closed"])
                | models.Q(resolved_at__isnull=False),
                name="case_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="case_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.number])

    def next_statuses(self) -> tuple[str, ...]:
        return CASE_TRANSITIONS[self.status]


class CaseComment(models.Model):
    """An internal note on a case; staff only, never shown to the visitor or a partner."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(
        _("comment"), max_length=CASE_TEXT_MAX_LENGTH, validators=list(CASE_TEXT_VALIDATORS)
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="case_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.text[:40]}"


# --- The waiting queue (SPEC §6) ------------------------------------------------------------
#
# A visitor checks in and gets a ticket (`A017`); staff call it to a desk, and the waiting
# room's display shows the number and the desk. A ticket holds no personal data: a number, an
# optional e-service and the times it moved, which the statistics read (waiting and service
# times). Which status may follow which is in helpdesk.lifecycle; helpdesk.services moves them.

TICKET_LETTERS = tuple(string.ascii_uppercase)
DEFAULT_TICKET_LETTER = "A"
TICKET_SEQUENCE_DIGITS = 3
DESK_MAX_LENGTH = 20


class ServiceQueue(models.Model):
    """One of a site's queues, when it keeps several (for example B for e-ID errands): its
    tickets carry its letter. A site without any has one queue, A."""

    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.CASCADE,
        related_name="service_queues",
        verbose_name=_("site"),
    )
    letter = models.CharField(
        _("letter"), max_length=1, choices=[(letter, letter) for letter in TICKET_LETTERS]
    )
    name = models.CharField(_("name"), max_length=100)
    services = models.ManyToManyField(
        "visits.EService",
        blank=True,
        related_name="+",
        verbose_name=_("e-services"),
        help_text=_("A ticket for one of these e-services joins this queue."),
    )

    class Meta:
        ordering = ["site_id", "letter"]
        verbose_name = _("service queue")
        verbose_name_plural = _("service queues")
        constraints = [
            models.UniqueConstraint(fields=["site", "letter"], name="service_queue_letter_unique"),
            models.CheckConstraint(
                condition=models.Q(letter__in=TICKET_LETTERS), name="service_queue_letter_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter}: {self.name}"


class TicketNumberSequence(models.Model):
    """The last ticket number given at a site on a day in a queue (servicecenter.sequences)."""

    site = models.ForeignKey("organisations.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    letter = models.CharField(max_length=1)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "letter"], name="ticket_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.day}/{self.letter}: {self.last}"


class QueueTicket(models.Model):
    """A visitor's place in a site's queue on one day."""

    Status = TicketStatus

    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        related_name="queue_tickets",
        verbose_name=_("site"),
    )
    day = models.DateField(_("day"), editable=False)  # the local date it was issued
    letter = models.CharField(_("queue"), max_length=1, editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    number = models.CharField(_("number"), max_length=8, editable=False)
    service = models.ForeignKey(
        "visits.EService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("e-service"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    desk = models.CharField(_("desk"), max_length=DESK_MAX_LENGTH, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    # The first call ends the wait (statistics); announced_at moves with every call, recall
    # and transfer, and orders the display, the latest call first.
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    # Minutes from check-in to the first call, written with it: what median_wait_min takes
    # the median of, with no date arithmetic (which the two databases spell differently).
    waited_min = models.FloatField(_("waited (min)"), null=True, blank=True, editable=False)
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    # When the ticket ended: finished, or given up as no-show or cancelled.
    finished_at = models.DateTimeField(_("ended"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)

    objects = QueueTicketQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "issued_at", "pk"]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        indexes = [
            models.Index(fields=["site", "day", "status"], name="ticket_site_day_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "letter", "sequence"], name="ticket_number_unique_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(letter__in=TICKET_LETTERS), name="ticket_letter_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="ticket_sequence_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(waited_min__isnull=True)
                | models.Q(waited_min__gte=0, called_at__isnull=False),
                name="ticket_waited_after_call",
            ),
            models.CheckConstraint(
                condition=models.Q(status=TicketStatus.WAITING)
                | models.Q(status=TicketStatus.CANCELLED)
                | models.Q(called_at__isnull=False, announced_at__isnull=False),
                name="ticket_called_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=TICKET_AT_DESK_STATUSES) | ~models.Q(desk=""),
                name="ticket_at_desk_has_desk",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[TicketStatus.SERVING, TicketStatus.FINISHED])
                | models.Q(started_at__isnull=False),
                name="ticket_served_has_start",
            ),
            # An ended ticket has its end time, and only an ended one.
            models.CheckConstraint(
                condition=models.Q(status__in=TICKET_ENDED_STATUSES, finished_at__isnull=False)
                | models.Q(~models.Q(status__in=TICKET_ENDED_STATUSES), finished_at__isnull=True),
                name="ticket_ended_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.day})"

    def next_statuses(self) -> tuple[str, ...]:
        return TICKET_TRANSITIONS[self.status]


# --- Appointments (SPEC §6) -----------------------------------------------------------------
#
# A visitor books a time with one of a site's counter staff; when they come, the visit is
# logged through visits.services.visit_log and linked back. Nobody is booked twice at once:
# helpdesk.appointment_services checks it under a lock on every database, and on PostgreSQL
# an exclusion constraint (migration 0005_appointments, which adds it there only: SQLite has
# no such constraint, and it is not in Meta, so the migration state is the same on both) holds
# it against every writer.

APPOINTMENT_PURPOSE_MAX_LENGTH = 200
APPOINTMENT_MIN_MINUTES = 5
# Digital help at the counter is booked in quarter and half hours; a longer booking is a
# mistake in the end time, or a course, which is not booked per person.
APPOINTMENT_MAX_MINUTES = 240
APPOINTMENT_NO_OVERLAP = "appointment_no_double_booking"


class Appointment(VisitorContact):
    """A booked time with one of a site's counter staff."""

    Status = AppointmentStatus

    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("site"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("counter staff"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    service = models.ForeignKey(
        "visits.EService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("e-service"),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=APPOINTMENT_PURPOSE_MAX_LENGTH,
        blank=True,
        validators=list(CASE_TEXT_VALIDATORS),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    # The visit logged when the visitor came; one visit answers one booking. A visit undone
    # right after saving leaves the booking "came" without one, to be logged again.
    visit = models.OneToOneField(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
        verbose_name=_("visit"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta(VisitorContact.Meta):
        ordering = ["starts_at", "pk"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["site", "starts_at"], name="appointment_site_starts"),
            models.Index(fields=["staff", "starts_at"], name="appointment_staff_starts"),
        ]
        constraints = [
            *VisitorContact.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values),
                name="appointment_status_valid",
            ),
            # Only a visitor who came has a visit.
            models.CheckConstraint(
                condition=models.Q(visit__isnull=True) | models.Q(status=AppointmentStatus.ARRIVED),
                name="appointment_visit_when_arrived",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.starts_at:%Y-%m-%d %H:%M} ({self.staff_id})"

    def get_absolute_url(self) -> str:
        return reverse("appointments:detail", args=[self.site.code, self.pk])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def holds_time(self) -> bool:
        return self.status in APPOINTMENT_HOLDING_STATUSES

    @property
    def awaits_visit(self) -> bool:
        """Booked, or came but the visit logged was undone: the visit can be logged."""
        return self.status == AppointmentStatus.BOOKED or (
            self.status == AppointmentStatus.ARRIVED and self.visit_id is None
        )

    def next_statuses(self) -> tuple[str, ...]:
        return APPOINTMENT_TRANSITIONS[self.status]
