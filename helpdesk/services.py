"""Help-desk workflows (SPEC §6). Pages and the API call these; nothing else writes a case.

Each workflow validates everything before it writes, so a refused request leaves nothing
half-saved, and records what changed in the audit history in the same transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import Action, users_for_site
from audit.models import AuditEntry
from audit.services import audit_record
from helpdesk.lifecycle import CASE_TRANSITIONS, CasePriority, CaseStatus
from helpdesk.models import (
    CASE_SEQUENCE_DIGITS,
    Case,
    CaseComment,
    CaseNumberSequence,
    ServiceLevel,
)
from organisations.models import Organisation, Site
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


def _apply_contact(case: Case, contact: ContactDetails, now: datetime.datetime) -> None:
    if contact.given and not contact.consent:
        raise ValidationError({"contact_consent": CONTACT_WITHOUT_CONSENT}, code="no_consent")
    if contact.consent and contact.given:
        case.contact_consent_at = case.contact_consent_at or now
    else:
        case.contact_consent_at = None
    case.contact_name = contact.name.strip()
    case.contact_phone = contact.phone.strip()
    case.contact_email = contact.email.strip()


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
    )
    _apply_contact(case, contact or ContactDetails(), now)
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
        _apply_contact(case, contact, now)
    _validate(case)
    case.save()
    _record_changes(case, before, actor)
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
