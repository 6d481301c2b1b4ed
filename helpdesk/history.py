"""A case's history as people read it: the audit entries (codes and raw values, SPEC §3)
turned into who, when, which field, and the old and new value in the active language."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from helpdesk.lifecycle import CasePriority, CaseStatus
from helpdesk.models import Case
from visits.models import EService, Provider

COMMENT = "comment"


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryStep:
    at: datetime.datetime
    actor: str
    summary: str
    changes: list[HistoryChange]


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else _("The system")


def _choice(choices) -> Callable[[Any], str]:
    def label(value) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def _date(value) -> str:
    return date_format(datetime.date.fromisoformat(value), "j F Y")


def _moment(value) -> str:
    return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "j F Y H:i")


def _named(lookup: dict) -> Callable[[Any], str]:
    return lambda value: lookup.get(value, str(value))


def _referenced(entries: list[AuditEntry], field: str) -> set:
    return {
        value
        for entry in entries
        for value in entry.changes.get(field, [])
        if value not in (None, "")
    }


def case_history(case: Case) -> list[HistoryStep]:
    """Newest first. Three queries however long the history: the entries with their actors,
    then the people, e-services and providers the values name, each in one go."""
    entries = list(AuditEntry.objects.for_object(case))
    users = {
        user.pk: _person(user)
        for user in get_user_model().objects.filter(pk__in=_referenced(entries, "assignee"))
    }
    services = {
        s.pk: s.label for s in EService.objects.filter(pk__in=_referenced(entries, "service"))
    }
    providers = {
        p.pk: p.label
        for p in Provider.objects.filter(pk__in=_referenced(entries, "referral_agency"))
    }
    show: dict[str, Callable[[Any], str]] = {
        "status": _choice(CaseStatus),
        "priority": _choice(CasePriority),
        "due_date": _date,
        "assignee": _named(users),
        "service": _named(services),
        "referral_agency": _named(providers),
        "contact_consent_at": _moment,
    }
    steps = []
    for entry in reversed(entries):
        changes = []
        if entry.action == AuditEntry.Action.CREATE:
            summary = _("Opened the case")
        elif COMMENT in entry.changes:
            summary = _("Added a comment")
        else:
            summary = _("Changed the case")
            for field, (old, new) in entry.changes.items():
                label = capfirst(Case._meta.get_field(field).verbose_name)
                shown = show.get(field, str)
                changes.append(
                    HistoryChange(
                        field=label,
                        old=shown(old) if old not in (None, "") else "–",
                        new=shown(new) if new not in (None, "") else "–",
                    )
                )
        steps.append(HistoryStep(entry.at, _person(entry.actor), summary, changes))
    return steps
