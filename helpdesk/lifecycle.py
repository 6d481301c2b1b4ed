"""A follow-up case's lifecycle and priorities (SPEC §6), as data: which status may follow
which. helpdesk.services applies it, the models and querysets read it; nothing else changes a
case's status."""

from typing import NamedTuple

from django.db import models
from django.utils.translation import pgettext_lazy


class CaseStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    OPEN = "open", pgettext_lazy("case status", "Open")
    WAITING_VISITOR = "waiting_visitor", pgettext_lazy("case status", "Waiting for the visitor")
    WAITING_AGENCY = "waiting_agency", pgettext_lazy("case status", "Waiting for the agency")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


# The lifecycle (SPEC §6): new → open → waiting for the visitor or the agency → resolved →
# closed, and reopen from resolved or closed. Every other move is refused.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.NEW: (CaseStatus.OPEN,),
    CaseStatus.OPEN: (CaseStatus.WAITING_VISITOR, CaseStatus.WAITING_AGENCY, CaseStatus.RESOLVED),
    CaseStatus.WAITING_VISITOR: (CaseStatus.OPEN, CaseStatus.WAITING_AGENCY, CaseStatus.RESOLVED),
    CaseStatus.WAITING_AGENCY: (CaseStatus.OPEN, CaseStatus.WAITING_VISITOR, CaseStatus.RESOLVED),
    CaseStatus.RESOLVED: (CaseStatus.CLOSED, CaseStatus.OPEN),
    CaseStatus.CLOSED: (CaseStatus.OPEN,),
}
# Statuses in which the centre still owes the visitor something: these count as open cases
# and can be overdue.
CASE_ACTIVE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.WAITING_VISITOR,
    CaseStatus.WAITING_AGENCY,
)


class CasePriority(models.TextChoices):
    # In the order of urgency; the service level gives each its working days.
    URGENT = "urgent", pgettext_lazy("case priority", "Urgent")
    HIGH = "high", pgettext_lazy("case priority", "High")
    NORMAL = "normal", pgettext_lazy("case priority", "Normal")
    LOW = "low", pgettext_lazy("case priority", "Low")


# --- The waiting queue (SPEC §6) ------------------------------------------------------------


class TicketStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("queue ticket status", "Waiting")
    CALLED = "called", pgettext_lazy("queue ticket status", "Called")
    SERVING = "serving", pgettext_lazy("queue ticket status", "Being served")
    FINISHED = "finished", pgettext_lazy("queue ticket status", "Finished")
    NO_SHOW = "no_show", pgettext_lazy("queue ticket status", "Did not come")
    CANCELLED = "cancelled", pgettext_lazy("queue ticket status", "Cancelled")


class TicketAction(models.TextChoices):
    """What staff do with a ticket; the labels are the panel's buttons."""

    CALL = "call", pgettext_lazy("queue action", "Call")
    RECALL = "recall", pgettext_lazy("queue action", "Call again")
    TRANSFER = "transfer", pgettext_lazy("queue action", "Transfer")
    START = "start", pgettext_lazy("queue action", "Start")
    FINISH = "finish", pgettext_lazy("queue action", "Finish")
    NO_SHOW = "no_show", pgettext_lazy("queue action", "Did not come")
    CANCEL = "cancel", pgettext_lazy("queue action", "Cancel ticket")


class TicketMove(NamedTuple):
    sources: tuple[str, ...]
    target: str


# A ticket waits, is called to a desk (again on a recall, or to another desk on a transfer),
# is served and ends finished; a visitor who does not come when called ends as no-show, one
# who leaves first as cancelled. A ticket being served that is transferred is called to the
# new desk. Every other move is refused; the three endings are final.
TICKET_MOVES: dict[str, TicketMove] = {
    TicketAction.CALL: TicketMove((TicketStatus.WAITING,), TicketStatus.CALLED),
    TicketAction.RECALL: TicketMove((TicketStatus.CALLED,), TicketStatus.CALLED),
    TicketAction.TRANSFER: TicketMove(
        (TicketStatus.CALLED, TicketStatus.SERVING), TicketStatus.CALLED
    ),
    TicketAction.START: TicketMove((TicketStatus.CALLED,), TicketStatus.SERVING),
    TicketAction.FINISH: TicketMove((TicketStatus.SERVING,), TicketStatus.FINISHED),
    TicketAction.NO_SHOW: TicketMove((TicketStatus.CALLED,), TicketStatus.NO_SHOW),
    TicketAction.CANCEL: TicketMove(
        (TicketStatus.WAITING, TicketStatus.CALLED), TicketStatus.CANCELLED
    ),
}
TICKET_TRANSITIONS: dict[str, tuple[str, ...]] = {
    status: tuple(sorted({move.target for move in TICKET_MOVES.values() if status in move.sources}))
    for status in TicketStatus
}
# Called to a desk and not yet ended: what the display shows and the desks work on.
TICKET_AT_DESK_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)
TICKET_ENDED_STATUSES = (TicketStatus.FINISHED, TicketStatus.NO_SHOW, TicketStatus.CANCELLED)


# --- Appointments (SPEC §6) -----------------------------------------------------------------


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("appointment status", "Booked")
    ARRIVED = "arrived", pgettext_lazy("appointment status", "Came")
    NO_SHOW = "no_show", pgettext_lazy("appointment status", "Did not come")
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")


# A booking is kept until the visitor comes (its visit is logged), does not come, or it is
# cancelled; the three endings are final. A visitor who comes after being marked as not
# coming is logged as a walk-in: the slot may have been given to somebody else meanwhile.
APPOINTMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AppointmentStatus.BOOKED: (
        AppointmentStatus.ARRIVED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    ),
    AppointmentStatus.ARRIVED: (),
    AppointmentStatus.NO_SHOW: (),
    AppointmentStatus.CANCELLED: (),
}
# Statuses that hold the staff member's time: no two of these may overlap for one person
# (the service layer everywhere, an exclusion constraint on PostgreSQL). A no-show's and a
# cancelled booking's time is free to book again.
APPOINTMENT_HOLDING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
