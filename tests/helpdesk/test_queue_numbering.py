"""Ticket numbers (SPEC §6): a letter for the queue and three digits, counted per site, day and
queue, starting again at 001 each day."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from helpdesk.models import QueueTicket, ServiceQueue
from helpdesk.services import ticket_issue
from tests.factories import SiteFactory
from tests.helpdesk.queue_helpers import MORNING, issue
from visits.models import EService

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def numbers(tickets) -> list[str]:
    return [ticket.number for ticket in tickets]


def test_the_first_tickets_of_the_day_are_a001_a002_a003(site):
    assert numbers(issue(site, 3, now=MORNING)) == ["A001", "A002", "A003"]


def test_each_site_counts_its_own_tickets(site):
    issue(site, 2)
    assert numbers(issue(SiteFactory(code="storuman"))) == ["A001"]


def test_each_queue_counts_its_own_tickets(site):
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation")
    issue(site, 2)
    assert numbers(issue(site, 2, letter="B")) == ["B001", "B002"]


def test_the_numbers_start_again_the_next_day(site):
    issue(site, 3, now=MORNING)
    assert numbers(issue(site, 1, now=MORNING + DAY)) == ["A001"]


def test_the_day_is_the_local_date_the_ticket_was_issued(site):
    # 23:30 UTC on 16 March is 00:30 on 17 March in Sweden.
    late = datetime.datetime(2026, 3, 16, 23, 30, tzinfo=datetime.UTC)
    (ticket,) = issue(site, now=late)
    assert ticket.day == datetime.date(2026, 3, 17)


def test_the_ticket_records_when_it_was_issued_and_waits(site, staff):
    ticket = ticket_issue(site=site, issued_by=staff, now=MORNING)
    assert (ticket.status, ticket.issued_at, ticket.issued_by) == ("waiting", MORNING, staff)


def test_a_ticket_for_an_e_service_joins_the_queue_that_lists_it(site):
    bankid = EService.objects.get(code="eid.bankid")
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation").services.add(bankid)
    (ticket,) = issue(site, service=bankid)
    assert (ticket.number, ticket.service) == ("B001", bankid)


def test_a_ticket_for_an_e_service_no_queue_lists_joins_queue_a(site):
    (ticket,) = issue(site, service=EService.objects.get(code="1177.login"))
    assert ticket.number == "A001"


def test_a_queue_the_site_does_not_have_is_refused(site):
    with pytest.raises(ValidationError) as refused:
        ticket_issue(site=site, letter="Q")
    assert "letter" in refused.value.message_dict
    assert not QueueTicket.objects.exists()


def test_a_site_no_longer_active_issues_no_tickets(site):
    site.is_active = False
    site.save()
    with pytest.raises(ValidationError):
        ticket_issue(site=site)
    assert not QueueTicket.objects.exists()


def test_a_rolled_back_check_in_gives_its_number_back(site):
    issue(site)
    with pytest.raises(ValidationError):
        ticket_issue(site=site, letter="Q")
    assert numbers(issue(site)) == ["A002"]
