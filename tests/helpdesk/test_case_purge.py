"""purge_personal_data clears a closed case's contact details after the retention period,
from the case and from its history, and nothing else (SPEC §3)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from helpdesk.models import Case
from helpdesk.services import ContactDetails, case_contacts_purge, case_transition
from tests.factories import open_case

pytestmark = pytest.mark.django_db

KARIN = ContactDetails(consent=True, name="Karin Nilsson", phone="070-123 45 67")


def closed_case(site, staff, *, days_ago: int) -> Case:
    case = open_case(site, contact=KARIN)
    closed = timezone.now() - datetime.timedelta(days=days_ago)
    for status in ("open", "resolved", "closed"):
        case = case_transition(case=case, to_status=status, actor=staff, now=closed)
    return case


def test_contact_details_of_a_case_closed_long_ago_are_cleared(site, staff, settings, capsys):
    settings.CASE_CONTACT_RETENTION_DAYS = 90
    old = closed_case(site, staff, days_ago=100)
    recent = closed_case(site, staff, days_ago=10)
    call_command("purge_personal_data")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.contact_name, old.contact_phone, old.has_contact) == ("", "", False)
    assert old.contact_purged_at is not None
    assert recent.contact_name == "Karin Nilsson"
    assert "Cleared the contact details of 1 follow-up cases" in capsys.readouterr().out


def test_an_open_case_keeps_its_contact_details_however_old(site):
    case = open_case(site, contact=KARIN, now=timezone.now() - datetime.timedelta(days=400))
    assert case_contacts_purge(closed_days_ago=90) == 0
    case.refresh_from_db()
    assert case.contact_name == "Karin Nilsson"


def test_the_cleared_details_do_not_live_on_in_the_history(site, staff):
    case = closed_case(site, staff, days_ago=100)
    case_contacts_purge(closed_days_ago=90)
    history = str(list(AuditEntry.objects.filter(object_id=str(case.pk)).values("changes")))
    assert "Karin" not in history and "070-123" not in history


def test_the_rest_of_the_case_stays_as_it_was(site, staff):
    case = closed_case(site, staff, days_ago=100)
    case_contacts_purge(closed_days_ago=90)
    after = Case.objects.get(pk=case.pk)
    fields = ("number", "status", "service_id", "title", "closed_at", "resolved_at", "due_date")
    assert [getattr(after, f) for f in fields] == [getattr(case, f) for f in fields]


def test_purging_twice_clears_nothing_more(site, staff):
    closed_case(site, staff, days_ago=100)
    assert case_contacts_purge(closed_days_ago=90) == 1
    assert case_contacts_purge(closed_days_ago=90) == 0
