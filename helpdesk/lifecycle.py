"""A follow-up case's lifecycle and priorities (SPEC §6), as data: which status may follow
which. helpdesk.services applies it, the models and querysets read it; nothing else changes a
case's status."""

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
