"""Appointment workflows (SPEC §6). The bookings pages, the queue panel and the quick log call
these; nothing else writes an appointment.

Nobody is booked twice at once. Every workflow that gives a staff member's time takes a lock
on that staff member first and then looks for an overlapping booking: on PostgreSQL the lock
is the user's row (a second booking for the same person waits until the first commits, and
then sees it), and SQLite runs one writer at a time anyway (IMMEDIATE transactions, see
settings). On PostgreSQL an exclusion constraint holds the rule against every other writer
too; should it refuse a row all the same, the workflow answers with the same ValidationError
as its own check, never a server error.

As everywhere in the help-desk, everything is validated before anything is written, and an
appointment's changes go to the audit history: it may hold contact details (SPEC §3)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from accounts.access import Action, users_for_site
from audit.models import AuditEntry
from audit.services import audit_record, audit_scrub_field
from helpdesk.lifecycle import APPOINTMENT_TRANSITIONS, AppointmentStatus
from helpdesk.models import (
    APPOINTMENT_MAX_MINUTES,
    APPOINTMENT_MIN_MINUTES,
    APPOINTMENT_NO_OVERLAP,
    Appointment,
)
from helpdesk.services import (
    ASSIGNEE_NOT_STAFF,
    CONTACT_FIELDS,
    PURGE_BATCH,
    ContactDetails,
    contact_details_apply,
)
from organisations.models import Site
from visits.models import EService, StaffingPattern, Visit
from visits.records import DURATION_MIN
from visits.services import staffing_calendar

# What the audit history keeps of an appointment: codes and raw values.
AUDITED_FIELDS = (
    "site_id",
    "staff_id",
    "starts_at",
    "ends_at",
    "service_id",
    "purpose",
    "status",
    "visit_id",
    *("contact_consent_at", *CONTACT_FIELDS),
)
# The channel of a visit logged for a booking (the channels' code list, SPEC §2).
BOOKED_CHANNEL = "booked"
# The bookings page offers free times in steps of this many minutes within opening hours.
SLOT_MINUTES = 30

DOUBLE_BOOKING = _(
    "%(staff)s already has a booking %(start)s–%(end)s on %(day)s. Choose another time or "
    "another member of staff."
)
DOUBLE_BOOKING_UNKNOWN = _(
    "%(staff)s was booked at an overlapping time a moment ago. Choose another time or another "
    "member of staff."
)
SITE_CLOSED = _("%(site)s is no longer active and takes no new bookings.")
ENDS_BEFORE_START = _("The end must be after the start.")
TOO_SHORT = _("A booking must be at least %(minutes)d minutes long.")
TOO_LONG = _("A booking can be at most %(minutes)d minutes long.")
NOT_SAME_DAY = _("A booking must start and end on the same day.")
IN_THE_PAST = _("That time has already passed. Choose a time from now on.")
CHANGE_REFUSED = _("A booking that is “%(status)s” can no longer be changed.")
STATUS_REFUSED = _("A booking that is “%(current)s” cannot become “%(target)s”.")
NO_SHOW_TOO_EARLY = _("The booked time has not started yet: the visitor can still come.")
VISIT_AT_OTHER_SITE = _("The visit was logged at another site than the booking's.")
VISIT_LINKED_ELSEWHERE = _("This visit already belongs to another booking.")


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime


@dataclass
class StaffDay:
    """One staff member's day at a site: their bookings and the free times between."""

    staff: Any
    appointments: list[Appointment]
    free: list[FreeSlot]


# --- Reading ---------------------------------------------------------------------------------


def bookable_staff(site: Site) -> QuerySet:
    """Who can be booked at the site: its counter staff (users_for_site), by name."""
    return users_for_site(site, Action.LOG).order_by("first_name", "last_name", "username")


def opening_hours(site: Site, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
    """The site's hours on `day`, or None when it is closed: an exception or a public holiday
    decides its day (visits.services.staffing_calendar), else the regular week."""
    departures = staffing_calendar(site=site, date_from=day, date_to=day)
    if departures:
        departure = departures[0]
        if not departure.is_open:
            return None
        return departure.exception.opens, departure.exception.closes
    pattern = StaffingPattern.objects.filter(site=site, weekday=day.weekday()).first()
    return (pattern.opens, pattern.closes) if pattern else None


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _free_slots(
    hours: tuple[datetime.time, datetime.time] | None,
    day: datetime.date,
    taken: list[Appointment],
    now: datetime.datetime,
) -> list[FreeSlot]:
    """SLOT_MINUTES steps within the opening hours that have not passed and overlap none of
    the staff member's bookings that hold time."""
    if hours is None:
        return []
    step = datetime.timedelta(minutes=SLOT_MINUTES)
    start, closes = _at(day, hours[0]), _at(day, hours[1])
    free = []
    while start + step <= closes:
        end = start + step
        clash = any(a.starts_at < end and a.ends_at > start for a in taken if a.holds_time)
        if start >= now and not clash:
            free.append(FreeSlot(start, end))
        start = end
    return free


def appointment_day(
    *, site: Site, day: datetime.date, appointments: QuerySet[Appointment], now=None
) -> tuple[tuple[datetime.time, datetime.time] | None, list[StaffDay]]:
    """The site's opening hours on `day` and one column per bookable staff member: their
    bookings of the day (cancelled ones left out) and their free times. `appointments` are
    the ones the caller may see (accounts.access.appointments_for). A fixed number of
    queries, however many bookings."""
    now = now or timezone.now()
    hours = opening_hours(site, day)
    staff = list(bookable_staff(site))
    booked: dict[int, list[Appointment]] = {person.pk: [] for person in staff}
    day_appointments = (
        appointments.of_day(site, day).exclude(status=AppointmentStatus.CANCELLED).for_listing()
    )
    for appointment in day_appointments:
        # A booking of somebody no longer at the site still shows, in a column of its own.
        if appointment.staff_id not in booked:
            staff.append(appointment.staff)
            booked[appointment.staff_id] = []
        booked[appointment.staff_id].append(appointment)
    columns = [
        StaffDay(person, booked[person.pk], _free_slots(hours, day, booked[person.pk], now))
        for person in staff
    ]
    return hours, columns


def appointment_visit_initial(appointment: Appointment) -> dict[str, Any]:
    """What the quick log is opened with for a booked visitor who has come: the channel
    "booked", the booking's length as the visit's duration, and its e-service."""
    minutes = min(max(appointment.minutes, DURATION_MIN.low), DURATION_MIN.high)
    return {
        "channel": BOOKED_CHANNEL,
        "duration_min": minutes,
        "service": appointment.service_id,
    }


# --- Rules -----------------------------------------------------------------------------------


def _staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _snapshot(appointment: Appointment) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in AUDITED_FIELDS:
        value = getattr(appointment, name)
        if isinstance(value, datetime.date | datetime.datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):  # the visit's id
            value = str(value)
        values[name.removesuffix("_id")] = value
    return values


def _record(appointment: Appointment, actor, before: dict[str, Any] | None) -> None:
    after = _snapshot(appointment)
    if before is None:
        action = AuditEntry.Action.CREATE
        changes = {key: [None, value] for key, value in after.items()}
    else:
        action = AuditEntry.Action.UPDATE
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        audit_record(instance=appointment, action=action, actor=actor, changes=changes)


def _slot_errors(
    starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime
) -> dict[str, list]:
    errors: dict[str, list] = {}
    length = (ends_at - starts_at).total_seconds() / 60
    if length <= 0:
        errors["ends_at"] = [ENDS_BEFORE_START]
    elif length < APPOINTMENT_MIN_MINUTES:
        errors["ends_at"] = [TOO_SHORT % {"minutes": APPOINTMENT_MIN_MINUTES}]
    elif length > APPOINTMENT_MAX_MINUTES:
        errors["ends_at"] = [TOO_LONG % {"minutes": APPOINTMENT_MAX_MINUTES}]
    # One ending at midnight ends on its own day.
    elif timezone.localdate(starts_at) != timezone.localdate(
        ends_at - datetime.timedelta(microseconds=1)
    ):
        errors["ends_at"] = [NOT_SAME_DAY]
    # Times are chosen to the minute: the minute under way is not yet past.
    if starts_at < now.replace(second=0, microsecond=0):
        errors["starts_at"] = [IN_THE_PAST]
    return errors


def _validate(appointment: Appointment, now: datetime.datetime) -> None:
    """Every rule of a booking but the overlap, all errors at once, before anything is written.
    The foreign keys come as objects and are not looked up again; the table's constraints
    hold the same rules (the consent is checked by contact_details_apply)."""
    errors: dict[str, list] = {}
    if not appointment.site.is_active:
        errors["site"] = [SITE_CLOSED % {"site": appointment.site}]
    if not users_for_site(appointment.site, Action.LOG).filter(pk=appointment.staff.pk).exists():
        message = ASSIGNEE_NOT_STAFF % {"user": _staff_name(appointment.staff),
                                        "site": appointment.site}  # fmt: skip
        errors["staff"] = [message]
    try:
        appointment.full_clean(
            exclude=["site", "staff", "service", "visit", "created_by"], validate_constraints=False
        )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for field, messages in _slot_errors(appointment.starts_at, appointment.ends_at, now).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _lock_staff(staff) -> None:
    # The staff member's row, until the transaction ends: a second booking of the same person
    # waits here for the first to commit, so that its overlap check sees it. FOR NO KEY
    # UPDATE, which does not stop rows that refer to the user (their visits, cases) from being
    # written meanwhile. SQLite ignores it and runs one writer at a time.
    get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=staff.pk)


def _double_booking(staff, clash: Appointment | None) -> ValidationError:
    if clash is None:
        message = DOUBLE_BOOKING_UNKNOWN % {"staff": _staff_name(staff)}
    else:
        message = DOUBLE_BOOKING % {
            "staff": _staff_name(staff),
            "start": time_format(timezone.localtime(clash.starts_at), "H:i"),
            "end": time_format(timezone.localtime(clash.ends_at), "H:i"),
            "day": date_format(timezone.localtime(clash.starts_at), "j F"),
        }
    return ValidationError({"starts_at": [message]}, code="double_booking")


def _clash(appointment: Appointment) -> Appointment | None:
    overlapping = Appointment.objects.overlapping(
        appointment.staff, appointment.starts_at, appointment.ends_at
    )
    if appointment.pk is not None:
        overlapping = overlapping.exclude(pk=appointment.pk)
    return overlapping.order_by("starts_at", "pk").first()


def _refuse_double_booking(appointment: Appointment) -> None:
    """Lock the staff member and refuse a time that overlaps one of their bookings."""
    _lock_staff(appointment.staff)
    if (clash := _clash(appointment)) is not None:
        raise _double_booking(appointment.staff, clash)


def _save(appointment: Appointment, **options: Any) -> None:
    """Save; the exclusion constraint's refusal (PostgreSQL, a writer past the lock) comes
    back as the workflow's own ValidationError. The savepoint keeps the transaction usable
    to name the booking in the way."""
    try:
        with transaction.atomic():
            appointment.save(**options)
    except IntegrityError as error:
        if APPOINTMENT_NO_OVERLAP not in str(error):
            raise
        raise _double_booking(appointment.staff, _clash(appointment)) from error


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("site", "staff")
        .get(pk=appointment.pk)
    )


def _refuse_unless_booked(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            CHANGE_REFUSED % {"status": AppointmentStatus(appointment.status).label},
            code="not_booked",
        )


def _move_to(appointment: Appointment, target: str) -> None:
    if target not in APPOINTMENT_TRANSITIONS[appointment.status]:
        raise ValidationError(
            STATUS_REFUSED
            % {
                "current": AppointmentStatus(appointment.status).label,
                "target": AppointmentStatus(target).label,
            },
            code="transition_refused",
        )
    appointment.status = target


# --- Workflows -------------------------------------------------------------------------------


@transaction.atomic
def appointment_book(
    *,
    site: Site,
    staff,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    booked_by,
    service: EService | None = None,
    purpose: str = "",
    contact: ContactDetails | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book `staff` at `site` from `starts_at` to `ends_at`. Raises ValidationError naming the
    fields, and saves nothing, when a value is refused or the staff member is already booked
    at an overlapping time (the message names that booking's time)."""
    now = now or timezone.now()
    appointment = Appointment(
        site=site,
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        service=service,
        purpose=purpose.strip(),
        created_by=booked_by if booked_by is not None and booked_by.is_authenticated else None,
    )
    contact_details_apply(appointment, contact or ContactDetails(), now)
    _validate(appointment, now)
    _refuse_double_booking(appointment)
    _save(appointment, force_insert=True)
    _record(appointment, booked_by, None)
    return appointment


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    moved_by,
    staff=None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Give a booking another time, or another staff member of its site (`staff`), under the
    same rules as a new one. Only a booking still booked can be moved."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    _refuse_unless_booked(appointment)
    before = _snapshot(appointment)
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    if staff is not None:
        appointment.staff = staff
    _validate(appointment, now)
    _refuse_double_booking(appointment)
    _save(appointment)
    _record(appointment, moved_by, before)
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, cancelled_by) -> Appointment:
    """The visitor (or the centre) called it off: the time is free to book again."""
    appointment = _locked(appointment)
    before = _snapshot(appointment)
    _move_to(appointment, AppointmentStatus.CANCELLED)
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, cancelled_by, before)
    return appointment


@transaction.atomic
def appointment_no_show(
    *, appointment: Appointment, marked_by, now: datetime.datetime | None = None
) -> Appointment:
    """The visitor did not come. Only once the booked time has begun: before, they still may."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    if appointment.status == AppointmentStatus.BOOKED and now < appointment.starts_at:
        raise ValidationError(NO_SHOW_TOO_EARLY, code="too_early")
    before = _snapshot(appointment)
    _move_to(appointment, AppointmentStatus.NO_SHOW)
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, marked_by, before)
    return appointment


@transaction.atomic
def appointment_arrive(*, appointment: Appointment, visit: Visit, actor=None) -> Appointment:
    """The booked visitor came and their visit was logged (visits.services.visit_log, the only
    writer of visits): link it and mark the booking "came". A booking whose visit was undone
    right after saving takes the visit logged again."""
    appointment = _locked(appointment)
    if not appointment.awaits_visit:
        raise ValidationError(
            CHANGE_REFUSED % {"status": AppointmentStatus(appointment.status).label},
            code="not_booked",
        )
    if visit.site_id != appointment.site_id:
        raise ValidationError(VISIT_AT_OTHER_SITE, code="other_site")
    if Appointment.objects.filter(visit=visit).exclude(pk=appointment.pk).exists():
        raise ValidationError(VISIT_LINKED_ELSEWHERE, code="visit_taken")
    before = _snapshot(appointment)
    appointment.status = AppointmentStatus.ARRIVED
    appointment.visit = visit
    appointment.save(update_fields=["status", "visit", "updated_at"])
    _record(appointment, actor, before)
    return appointment


# --- Retention (SPEC §3) ---------------------------------------------------------------------


def appointment_contacts_purge(*, ended_days_ago: int, now: datetime.datetime | None = None) -> int:
    """Clear the contact details of appointments that ended more than `ended_days_ago` days
    ago, whatever became of them, and the values kept of them in the audit history; the
    booking stays. Idempotent. Returns how many were cleared."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=ended_days_ago)
    empty = Q(contact_name="", contact_phone="", contact_email="")
    ids = list(
        Appointment.objects.filter(ends_at__lt=cutoff).exclude(empty).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(ids), PURGE_BATCH):
            batch = ids[start : start + PURGE_BATCH]
            Appointment.objects.filter(pk__in=batch).update(
                contact_name="", contact_phone="", contact_email="", contact_purged_at=now
            )
            for field in CONTACT_FIELDS:
                audit_scrub_field(model=Appointment, object_ids=batch, field=field)
    return len(ids)
