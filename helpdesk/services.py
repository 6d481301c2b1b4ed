"""Help-desk workflows (SPEC §6). Pages and the API call these; nothing else writes a case.

Each workflow validates everything before it writes, so a refused request leaves nothing
half-saved, and records what changed in the audit history in the same transaction."""

from __future__ import annotations

import datetime
import math
import statistics
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import Action, users_for_site
from audit.models import AuditEntry
from audit.services import audit_record, audit_scrub_field
from helpdesk.lifecycle import (
    CASE_TRANSITIONS,
    TICKET_MOVES,
    CasePriority,
    CaseStatus,
    TicketAction,
    TicketStatus,
)
from helpdesk.models import (
    CASE_SEQUENCE_DIGITS,
    DEFAULT_TICKET_LETTER,
    DESK_MAX_LENGTH,
    TICKET_SEQUENCE_DIGITS,
    Case,
    CaseComment,
    CaseNumberSequence,
    QueueTicket,
    ServiceLevel,
    ServiceQueue,
    TicketNumberSequence,
    VisitorContact,
)
from organisations.models import Organisation, Site
from servicecenter.live import broadcast, queue_group, site_changed_on_commit
from servicecenter.sequences import sequence_next
from servicecenter.workdays import add_working_days
from visits.models import EService, Provider, Visit

# What the audit history keeps of a case: codes and raw values, translated only when shown.
AUDITED_FIELDS = (
    "status",
    "priority",
    "due_date",
    "assignee_id",
    "service_id",
    "title",
    "description",
    "referral_agency_id",
    "contact_consent_at",
    "contact_name",
    "contact_phone",
    "contact_email",
)
# The fields case_update may change; the status has its own workflow, the number none.
UPDATABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "service",
    "assignee",
    "referral_agency",
)
# Cases cleared per statement: SQLite allows about a thousand parameters in one.
PURGE_BATCH = 500
# Used when a service level was deleted in the admin: the normal priority's default.
FALLBACK_WORKING_DAYS = 5

TRANSITION_REFUSED = _("A case that is “%(current)s” cannot become “%(target)s”.")
ASSIGNEE_NOT_STAFF = _("%(user)s is not counter staff at %(site)s.")
CONTACT_WITHOUT_CONSENT = _(
    "Contact details can be kept only with the visitor's consent. Record the consent, or "
    "leave the contact details out."
)
SITE_CLOSED = _("%(site)s is no longer active and takes no new cases.")
EMPTY_COMMENT = _("Write a comment.")


@dataclass(frozen=True)
class ContactDetails:
    """A visitor's contact details and whether they agreed to their being kept (SPEC §3)."""

    consent: bool = False
    name: str = ""
    phone: str = ""
    email: str = ""

    @property
    def given(self) -> bool:
        return bool(self.name.strip() or self.phone.strip() or self.email.strip())


def _snapshot(case: Case) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in AUDITED_FIELDS:
        value = getattr(case, name)
        if isinstance(value, datetime.date | datetime.datetime):
            value = value.isoformat()
        values[name.removesuffix("_id")] = value
    return values


def _record_changes(case: Case, before: dict[str, Any], actor) -> None:
    after = _snapshot(case)
    changes = {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
    if changes:
        audit_record(instance=case, action=AuditEntry.Action.UPDATE, actor=actor, changes=changes)


def _case_changed(case: Case) -> None:
    """The site's statistics count its cases (open_cases, overdue_case_share): once committed,
    its cached figures are replaced and its open dashboards redrawn."""
    site_changed_on_commit(case.site.code, {"type": "case.changed", "site": case.site.code})


def case_due_date(*, priority: str, opened: datetime.date) -> datetime.date:
    """The priority's service level in working days, counted from the day the case opened."""
    level = ServiceLevel.objects.filter(priority=priority).values_list("working_days", flat=True)
    return add_working_days(opened, level.first() or FALLBACK_WORKING_DAYS)


def case_number_prefix(site: Site) -> str:
    return site.case_prefix or site.code.upper()


def _check_assignee(case: Case) -> None:
    if case.assignee is None:
        return
    if not users_for_site(case.site, Action.LOG).filter(pk=case.assignee.pk).exists():
        raise ValidationError(
            {"assignee": ASSIGNEE_NOT_STAFF % {"user": case.assignee, "site": case.site}},
            code="not_staff",
        )


def contact_details_apply(
    holder: VisitorContact, contact: ContactDetails, now: datetime.datetime
) -> None:
    """The consent rule of a visitor's contact details (SPEC §3), for a case or a booking:
    details only with consent, the moment of consent kept with them; refused otherwise."""
    if contact.given and not contact.consent:
        raise ValidationError({"contact_consent": CONTACT_WITHOUT_CONSENT}, code="no_consent")
    if contact.consent and contact.given:
        holder.contact_consent_at = holder.contact_consent_at or now
    else:
        holder.contact_consent_at = None
    holder.contact_name = contact.name.strip()
    holder.contact_phone = contact.phone.strip()
    holder.contact_email = contact.email.strip()


def _validate(case: Case) -> None:
    """Field rules, the personal-data check of the texts and the table's constraints, before
    anything is written; the number is not allocated yet and not checked here."""
    case.full_clean(exclude=["number", "year", "sequence"])
    _check_assignee(case)


@transaction.atomic
def case_create(
    *,
    site: Site,
    service: EService,
    title: str,
    description: str = "",
    priority: str = CasePriority.NORMAL,
    created_by=None,
    visit: Visit | None = None,
    assignee=None,
    referral_agency: Provider | None = None,
    contact: ContactDetails | None = None,
    referred_by: Organisation | None = None,
    source: str = Case.Source.COUNTER,
    now: datetime.datetime | None = None,
) -> Case:
    """Open a follow-up case with the next number of its site and year. Raises ValidationError
    naming the fields, and saves nothing, when a value is refused."""
    now = now or timezone.now()
    if not site.is_active:
        raise ValidationError({"site": SITE_CLOSED % {"site": site}}, code="site_inactive")
    opened = timezone.localdate(now)
    case = Case(
        site=site,
        service=service,
        title=title.strip(),
        description=description.strip(),
        priority=priority,
        due_date=case_due_date(priority=priority, opened=opened),
        visit=visit,
        assignee=assignee,
        referral_agency=referral_agency,
        referred_by=referred_by,
        source=source,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
        created_at=now,
    )
    contact_details_apply(case, contact or ContactDetails(), now)
    _validate(case)
    case.year = opened.year
    case.sequence = sequence_next(CaseNumberSequence, site=site, year=case.year)
    case.number = f"{case_number_prefix(site)}-{case.year}-{case.sequence:0{CASE_SEQUENCE_DIGITS}d}"
    case.save(force_insert=True)
    audit_record(
        instance=case,
        action=AuditEntry.Action.CREATE,
        actor=created_by,
        changes={key: [None, value] for key, value in _snapshot(case).items()},
    )
    _case_changed(case)
    return case


def case_from_visit(
    *,
    visit: Visit,
    created_by,
    title: str = "",
    service: EService | None = None,
    **fields: Any,
) -> Case:
    """A case that follows up a visit: its site, and its (first) e-service unless another
    of the visit's is chosen; titled after the e-service unless a title is given."""
    if service is None:
        first = visit.help_items.order_by("id").select_related("service").first()
        service = first.service if first is not None else None
    return case_create(
        site=visit.site,
        service=service,
        title=title or (service.label if service is not None else ""),
        visit=visit,
        created_by=created_by,
        **fields,
    )


@transaction.atomic
def case_transition(
    *, case: Case, to_status: str, actor, now: datetime.datetime | None = None
) -> Case:
    """Move a case along its lifecycle; a move the lifecycle does not allow is refused."""
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_status not in CASE_TRANSITIONS[case.status]:
        raise ValidationError(
            TRANSITION_REFUSED
            % {"current": CaseStatus(case.status).label, "target": _status_label(to_status)},
            code="transition_refused",
        )
    before = _snapshot(case)
    if case.status == CaseStatus.NEW:
        case.first_response_at = case.first_response_at or now
    if to_status == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif to_status == CaseStatus.CLOSED:
        case.closed_at = now
    elif to_status == CaseStatus.OPEN and case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        # Reopened: the centre owes the visitor an answer again; the history keeps the rest.
        case.resolved_at = None
        case.closed_at = None
    case.status = to_status
    case.save()
    _record_changes(case, before, actor)
    _case_changed(case)
    return case


def _status_label(code: str) -> str:
    try:
        return str(CaseStatus(code).label)
    except ValueError:
        return code


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor,
    contact: ContactDetails | None = None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Case:
    """Change a case's details. A new priority moves the due date to that priority's service
    level, counted from the day the case opened."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"case_update cannot change {sorted(unknown)}")
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = _snapshot(case)
    for name, value in fields.items():
        setattr(case, name, value.strip() if isinstance(value, str) else value)
    if "priority" in fields and fields["priority"] != before["priority"]:
        case.due_date = case_due_date(
            priority=case.priority, opened=timezone.localdate(case.created_at)
        )
    if contact is not None:
        contact_details_apply(case, contact, now)
    _validate(case)
    case.save()
    _record_changes(case, before, actor)
    _case_changed(case)
    return case


@transaction.atomic
def case_comment_add(
    *, case: Case, author, text: str, now: datetime.datetime | None = None
) -> CaseComment:
    """An internal comment; the first word from staff on a new case is its first response."""
    comment = CaseComment(case=case, author=author, text=text.strip())
    if not comment.text:
        raise ValidationError({"text": EMPTY_COMMENT}, code="required")
    comment.full_clean()
    comment.save()
    if case.first_response_at is None:
        Case.objects.filter(pk=case.pk, first_response_at__isnull=True).update(
            first_response_at=now or timezone.now()
        )
    audit_record(
        instance=case,
        action=AuditEntry.Action.UPDATE,
        actor=author,
        changes={"comment": [None, comment.pk]},
    )
    return comment


# --- The waiting queue (SPEC §6) ------------------------------------------------------------
#
# A visitor checks in and gets a ticket; staff call it to their desk, serve the visitor and
# finish it. Every change is told to the site's queue screens (its display, the staff panels)
# once committed. A ticket holds no personal data and its own times are its history, so unlike
# a case it is not written to the audit history.

TICKET_MOVE_REFUSED = _("Ticket %(number)s is “%(status)s”: “%(action)s” is not possible now.")
DESK_REQUIRED = _("Enter your desk, for example 2, before calling the next visitor.")
TRANSFER_DESK_REQUIRED = _("Enter the desk to transfer the ticket to.")
DESK_TOO_LONG = _("Keep the desk to at most %(limit)d characters.")
TRANSFER_SAME_DESK = _("Ticket %(number)s is already at desk %(desk)s.")
QUEUE_SITE_CLOSED = _("%(site)s is no longer active and issues no queue tickets.")
UNKNOWN_QUEUE = _("%(site)s has no queue %(letter)s.")

# A counter errand's length before the day has finished tickets to measure.
DEFAULT_SERVICE_MINUTES = 10
# A desk counts as open when it called a ticket this recently.
BUSY_DESK_WINDOW = datetime.timedelta(minutes=30)
# How many numbers the waiting room's display lists, the latest call first.
DISPLAY_CALLS = 6
# The changes the display calls out: a number sent to a desk.
ANNOUNCED = (TicketAction.CALL, TicketAction.RECALL, TicketAction.TRANSFER)


@dataclass(frozen=True)
class WaitEstimate:
    ahead: int  # visitors before this one in the queue
    minutes: int  # whole minutes, rounded up; 0 when nobody is ahead
    measured: bool  # from today's finished tickets, not the default


def ticket_number(letter: str, sequence: int) -> str:
    return f"{letter}{sequence:0{TICKET_SEQUENCE_DIGITS}d}"


def _actor(user) -> Any:
    return user if user is not None and user.is_authenticated else None


def _clean_desk(desk: str | None, required: Any) -> str:
    desk = (desk or "").strip()
    if not desk:
        raise ValidationError({"desk": required}, code="required")
    if len(desk) > DESK_MAX_LENGTH:
        raise ValidationError(
            {"desk": DESK_TOO_LONG % {"limit": DESK_MAX_LENGTH}}, code="max_length"
        )
    return desk


def _announce(ticket: QueueTicket, action: str) -> None:
    """Tell the site's queue screens, once committed. The display's state is read once here,
    after the commit, and goes to every screen in the event: two hundred screens on a wall
    of a busy centre cost one read, not two hundred. A call, recall or transfer is also
    announced (number and desk only) for the display to highlight and chime."""
    site = ticket.site
    announce = {"number": ticket.number, "desk": ticket.desk} if action in ANNOUNCED else None

    def send() -> None:
        event = {
            "type": "queue.changed",
            "action": action,
            "state": queue_display_state(site=site),
            "announce": announce,
        }
        broadcast(queue_group(site.code), event)

    transaction.on_commit(send)


def queue_letter_for(*, site: Site, service: EService | None = None) -> str:
    """The queue a ticket for the e-service joins at the site: the first (by letter) of the
    site's service queues that lists it, else the default queue A."""
    if service is None:
        return DEFAULT_TICKET_LETTER
    letters = ServiceQueue.objects.filter(site=site, services=service).order_by("letter")
    return letters.values_list("letter", flat=True).first() or DEFAULT_TICKET_LETTER


def _check_letter(site: Site, letter: str) -> None:
    if letter == DEFAULT_TICKET_LETTER:
        return
    if not ServiceQueue.objects.filter(site=site, letter=letter).exists():
        raise ValidationError(
            {"letter": UNKNOWN_QUEUE % {"site": site, "letter": letter}}, code="unknown_queue"
        )


@transaction.atomic
def ticket_issue(
    *,
    site: Site,
    service: EService | None = None,
    letter: str | None = None,
    issued_by=None,
    now: datetime.datetime | None = None,
) -> QueueTicket:
    """Check a visitor in: the next ticket of the day in the queue chosen, else in the queue
    of the e-service, else in queue A. Numbers start again at 001 every day in every queue,
    and come without gaps or duplicates under concurrent check-ins (sequence_next)."""
    now = now or timezone.now()
    if not site.is_active:
        raise ValidationError(QUEUE_SITE_CLOSED % {"site": site}, code="site_inactive")
    if letter is None:
        letter = queue_letter_for(site=site, service=service)
    else:
        _check_letter(site, letter)
    day = timezone.localdate(now)
    sequence = sequence_next(TicketNumberSequence, site=site, day=day, letter=letter)
    ticket = QueueTicket.objects.create(
        site=site,
        day=day,
        letter=letter,
        sequence=sequence,
        number=ticket_number(letter, sequence),
        service=service,
        issued_at=now,
        issued_by=_actor(issued_by),
    )
    _announce(ticket, "issue")
    return ticket


def ticket_call_next(
    *,
    site: Site,
    desk: str,
    called_by,
    letter: str | None = None,
    now: datetime.datetime | None = None,
) -> QueueTicket | None:
    """Call the ticket that has waited longest today (in queue `letter`, or in any) to the
    desk; None when nobody waits.

    Two desks calling at once never get the same ticket. On PostgreSQL each takes the oldest
    waiting ticket no other transaction has locked (SKIP LOCKED), so neither waits for the
    other; SQLite runs one writer at a time. Either way the ticket is taken by an UPDATE that
    only matches it while it still waits, and a desk that finds it taken tries the next one:
    correctness does not rest on the backend's locking."""
    desk = _clean_desk(desk, DESK_REQUIRED)
    now = now or timezone.now()
    while True:  # ends: each turn that finds no ticket taken saw another desk take one
        with transaction.atomic():
            waiting = QueueTicket.objects.of_day(site, timezone.localdate(now)).waiting()
            if letter is not None:
                waiting = waiting.filter(letter=letter)
            if connection.features.has_select_for_update_skip_locked:
                waiting = waiting.select_for_update(skip_locked=True)
            oldest = waiting.values_list("pk", "issued_at").first()
            if oldest is None:
                return None
            pk, issued_at = oldest
            taken = QueueTicket.objects.filter(pk=pk, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED,
                desk=desk,
                called_at=now,
                waited_min=max((now - issued_at).total_seconds(), 0) / 60,
                announced_at=now,
                called_by=_actor(called_by),
            )
            if taken:
                ticket = QueueTicket.objects.select_related("site").get(pk=pk)
                _announce(ticket, TicketAction.CALL)
                # A first call ends a wait, which median_wait_min counts.
                site_changed_on_commit(site.code, {"type": "queue.called", "site": site.code})
                return ticket


def _locked(ticket: QueueTicket, action: str) -> QueueTicket:
    """The ticket as it is now, locked until the workflow's transaction ends; refused unless
    the action may be taken in its status (helpdesk.lifecycle.TICKET_MOVES)."""
    current = (
        QueueTicket.objects.select_for_update(of=("self",)).select_related("site").get(pk=ticket.pk)
    )
    if current.status not in TICKET_MOVES[action].sources:
        raise ValidationError(
            TICKET_MOVE_REFUSED
            % {
                "number": current.number,
                "status": TicketStatus(current.status).label,
                "action": TicketAction(action).label,
            },
            code="move_refused",
        )
    return current


def _moved(ticket: QueueTicket, action: str, *fields: str) -> QueueTicket:
    ticket.status = TICKET_MOVES[action].target
    ticket.save(update_fields=["status", *fields])
    _announce(ticket, action)
    return ticket


@transaction.atomic
def ticket_recall(*, ticket: QueueTicket, now: datetime.datetime | None = None) -> QueueTicket:
    """Call a called ticket's number again, for a visitor who has not come to the desk."""
    ticket = _locked(ticket, TicketAction.RECALL)
    ticket.recalls += 1
    ticket.announced_at = now or timezone.now()
    return _moved(ticket, TicketAction.RECALL, "recalls", "announced_at")


@transaction.atomic
def ticket_start(*, ticket: QueueTicket, now: datetime.datetime | None = None) -> QueueTicket:
    """The visitor has come to the desk. After a transfer the service goes on: its start is
    the first desk's."""
    ticket = _locked(ticket, TicketAction.START)
    ticket.started_at = ticket.started_at or now or timezone.now()
    return _moved(ticket, TicketAction.START, "started_at")


@transaction.atomic
def ticket_transfer(
    *, ticket: QueueTicket, desk: str, now: datetime.datetime | None = None
) -> QueueTicket:
    """Send a called or served visitor to another desk; the display calls the number there."""
    desk = _clean_desk(desk, TRANSFER_DESK_REQUIRED)
    ticket = _locked(ticket, TicketAction.TRANSFER)
    if desk == ticket.desk:
        raise ValidationError(
            {"desk": TRANSFER_SAME_DESK % {"number": ticket.number, "desk": desk}},
            code="same_desk",
        )
    ticket.desk = desk
    ticket.announced_at = now or timezone.now()
    return _moved(ticket, TicketAction.TRANSFER, "desk", "announced_at")


@transaction.atomic
def ticket_finish(*, ticket: QueueTicket, now: datetime.datetime | None = None) -> QueueTicket:
    ticket = _locked(ticket, TicketAction.FINISH)
    ticket.finished_at = now or timezone.now()
    return _moved(ticket, TicketAction.FINISH, "finished_at")


@transaction.atomic
def ticket_no_show(*, ticket: QueueTicket, now: datetime.datetime | None = None) -> QueueTicket:
    """The visitor did not come when called (recalls included)."""
    ticket = _locked(ticket, TicketAction.NO_SHOW)
    ticket.finished_at = now or timezone.now()
    return _moved(ticket, TicketAction.NO_SHOW, "finished_at")


@transaction.atomic
def ticket_cancel(*, ticket: QueueTicket, now: datetime.datetime | None = None) -> QueueTicket:
    """The visitor left before being served, or the ticket was taken by mistake."""
    ticket = _locked(ticket, TicketAction.CANCEL)
    ticket.finished_at = now or timezone.now()
    return _moved(ticket, TicketAction.CANCEL, "finished_at")


def queue_estimated_wait(
    *,
    site: Site,
    letter: str = DEFAULT_TICKET_LETTER,
    ahead_of: QueueTicket | None = None,
    now: datetime.datetime | None = None,
) -> WaitEstimate:
    """How long a visitor in queue `letter` can expect to wait, in whole minutes rounded up:

        people ahead × median service time ÷ desks busy recently

    People ahead: today's waiting tickets of the queue issued before `ahead_of` (everybody
    waiting in it when None: a visitor about to check in). Median service time: from start to
    finish over the site's tickets finished today, in every queue; before the first is
    finished, DEFAULT_SERVICE_MINUTES. Desks busy recently: the desks that called a ticket
    within BUSY_DESK_WINDOW, at least one (the queue is served even when nobody has called
    yet). Nobody ahead is no wait."""
    now = now or timezone.now()
    today = QueueTicket.objects.of_day(site, timezone.localdate(now))
    waiting = today.waiting().filter(letter=letter)
    if ahead_of is not None:
        earlier = Q(issued_at__lt=ahead_of.issued_at)
        waiting = waiting.filter(earlier | Q(issued_at=ahead_of.issued_at, pk__lt=ahead_of.pk))
    ahead = waiting.count()
    if not ahead:
        return WaitEstimate(ahead=0, minutes=0, measured=False)
    served = today.filter(status=TicketStatus.FINISHED).values_list("started_at", "finished_at")
    # A site's finished tickets of one day are at most a few hundred: the median is taken here.
    seconds = [(finished - started).total_seconds() for started, finished in served]
    service = statistics.median(seconds) if seconds else DEFAULT_SERVICE_MINUTES * 60
    desks = (
        today.filter(announced_at__gte=now - BUSY_DESK_WINDOW)
        .order_by()
        .values("desk")
        .distinct()
        .count()
    )
    minutes = math.ceil(ahead * service / max(desks, 1) / 60)
    return WaitEstimate(ahead=ahead, minutes=minutes, measured=bool(seconds))


def queue_display_state(*, site: Site, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the site's waiting-room display shows: the numbers called to a desk and not yet
    ended, the latest call first, and how many wait. Numbers and desks only: no personal
    data, so the display needs no login."""
    today = QueueTicket.objects.of_day(site, timezone.localdate(now or timezone.now()))
    calls = today.at_desks().values_list("number", "desk")[:DISPLAY_CALLS]
    return {
        "calls": [{"number": number, "desk": desk} for number, desk in calls],
        "waiting": today.waiting().count(),
    }


# --- Retention (SPEC §3) ----------------------------------------------------------------------

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")


def case_contacts_purge(*, closed_days_ago: int, now: datetime.datetime | None = None) -> int:
    """Clear the contact details of cases closed more than `closed_days_ago` days ago, and the
    values kept of them in the audit history; the case and its statistics stay. A case
    reopened since is not closed and keeps its details. Idempotent: a purged case has no
    details left to clear. Returns how many cases were cleared."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=closed_days_ago)
    empty = Q(contact_name="", contact_phone="", contact_email="")
    ids = list(
        Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff)
        .exclude(empty)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(ids), PURGE_BATCH):
            batch = ids[start : start + PURGE_BATCH]
            Case.objects.filter(pk__in=batch).update(
                contact_name="", contact_phone="", contact_email="", contact_purged_at=now
            )
            for field in CONTACT_FIELDS:
                audit_scrub_field(model=Case, object_ids=batch, field=field)
    return len(ids)
