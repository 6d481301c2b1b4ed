"""A queue ticket moves only along its lifecycle (SPEC §6): waiting, called to a desk (again on a
recall, to another desk on a transfer), served, and finished, no-show or cancelled. The
workflows refuse every other move, say why, and save nothing."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from helpdesk.lifecycle import TICKET_MOVES, TicketAction, TicketStatus
from helpdesk.models import QueueTicket, ServiceQueue
from helpdesk.services import (
    ticket_call_next,
    ticket_cancel,
    ticket_finish,
    ticket_no_show,
    ticket_recall,
    ticket_start,
    ticket_transfer,
)
from tests.factories import SiteFactory
from tests.helpdesk.queue_helpers import MORNING, call, called, issue, serving

pytestmark = pytest.mark.django_db

S = TicketStatus
A = TicketAction
MINUTE = datetime.timedelta(minutes=1)
# Each action as staff take it on the panel, on a ticket and at a desk.
ACT = {
    A.RECALL: lambda ticket: ticket_recall(ticket=ticket),
    A.TRANSFER: lambda ticket: ticket_transfer(ticket=ticket, desk="9"),
    A.START: lambda ticket: ticket_start(ticket=ticket),
    A.FINISH: lambda ticket: ticket_finish(ticket=ticket),
    A.NO_SHOW: lambda ticket: ticket_no_show(ticket=ticket),
    A.CANCEL: lambda ticket: ticket_cancel(ticket=ticket),
}
# The shortest way from a new ticket to each status.
PATH_TO = {
    S.WAITING: [],
    S.CALLED: ["call"],
    S.SERVING: ["call", A.START],
    S.FINISHED: ["call", A.START, A.FINISH],
    S.NO_SHOW: ["call", A.NO_SHOW],
    S.CANCELLED: [A.CANCEL],
}


def ticket_in(site, status) -> QueueTicket:
    ticket = issue(site)[0]
    for step in PATH_TO[status]:
        ticket = call(site, "1") if step == "call" else ACT[step](ticket)
    return ticket


@pytest.mark.parametrize(
    ("status", "action"), sorted(itertools.product(S.values, ACT)), ids=lambda value: str(value)
)
def test_each_action_is_taken_only_in_the_statuses_the_lifecycle_allows(site, status, action):
    ticket = ticket_in(site, status)
    move = TICKET_MOVES[action]
    if status in move.sources:
        assert ACT[action](ticket).status == move.target
    else:
        before = QueueTicket.objects.values().get(pk=ticket.pk)
        with pytest.raises(ValidationError):
            ACT[action](ticket)
        assert QueueTicket.objects.values().get(pk=ticket.pk) == before


def test_a_call_records_the_desk_the_caller_and_the_time(site, staff):
    issue(site, now=MORNING)
    ticket = ticket_call_next(site=site, desk=" 2 ", called_by=staff, now=MORNING + MINUTE)
    assert (ticket.status, ticket.desk, ticket.called_by) == (S.CALLED, "2", staff)
    assert ticket.called_at == ticket.announced_at == MORNING + MINUTE


def test_start_and_finish_record_the_service_times(site):
    ticket = called(site, now=MORNING)
    ticket = ticket_start(ticket=ticket, now=MORNING + MINUTE)
    ticket = ticket_finish(ticket=ticket, now=MORNING + 9 * MINUTE)
    assert (ticket.status, ticket.started_at, ticket.finished_at) == (
        S.FINISHED,
        MORNING + MINUTE,
        MORNING + 9 * MINUTE,
    )


def test_a_recall_counts_and_moves_the_number_to_the_top_of_the_display(site):
    ticket = called(site, now=MORNING)
    ticket = ticket_recall(ticket=ticket, now=MORNING + 2 * MINUTE)
    assert (ticket.recalls, ticket.announced_at, ticket.called_at) == (
        1,
        MORNING + 2 * MINUTE,
        MORNING,
    )


def test_a_transfer_calls_a_ticket_being_served_to_the_new_desk(site):
    ticket = serving(site, desk="1", now=MORNING)
    ticket = ticket_transfer(ticket=ticket, desk="3", now=MORNING + 5 * MINUTE)
    assert (ticket.status, ticket.desk, ticket.announced_at) == (
        S.CALLED,
        "3",
        MORNING + 5 * MINUTE,
    )
    # The service goes on at the new desk: its start stays the first desk's.
    assert ticket_start(ticket=ticket).started_at == MORNING


def test_a_transfer_to_the_desk_the_ticket_is_at_is_refused(site):
    ticket = serving(site, desk="1")
    with pytest.raises(ValidationError) as refused:
        ticket_transfer(ticket=ticket, desk="1")
    assert "desk" in refused.value.message_dict


def test_a_transfer_without_a_desk_is_refused(site):
    ticket = serving(site)
    with pytest.raises(ValidationError) as refused:
        ticket_transfer(ticket=ticket, desk="  ")
    assert "desk" in refused.value.message_dict


@pytest.mark.parametrize("desk", ["", "   ", "x" * 21])
def test_call_next_without_a_proper_desk_is_refused_and_calls_nobody(site, staff, desk):
    issue(site)
    with pytest.raises(ValidationError) as refused:
        ticket_call_next(site=site, desk=desk, called_by=staff)
    assert "desk" in refused.value.message_dict
    assert QueueTicket.objects.get().status == S.WAITING


def test_call_next_takes_the_ticket_that_has_waited_longest(site):
    first, second = issue(site, 2)
    assert call(site) == first
    assert call(site) == second


def test_call_next_gives_nothing_when_nobody_waits(site, staff):
    assert ticket_call_next(site=site, desk="1", called_by=staff) is None


def test_call_next_for_one_queue_leaves_the_other_queues_waiting(site):
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation")
    (in_b,) = issue(site, letter="B")
    (in_a,) = issue(site)
    assert call(site, letter="A") == in_a
    assert QueueTicket.objects.get(pk=in_b.pk).status == S.WAITING


def test_call_next_does_not_call_a_ticket_left_waiting_yesterday(site, staff):
    issue(site, now=MORNING - datetime.timedelta(days=1))
    assert ticket_call_next(site=site, desk="1", called_by=staff, now=MORNING) is None


def test_call_next_does_not_call_another_sites_tickets(site, staff):
    issue(SiteFactory(code="storuman"))
    assert ticket_call_next(site=site, desk="1", called_by=staff) is None


def test_a_refused_move_says_in_swedish_what_the_ticket_is_and_what_was_refused(site):
    ticket = issue(site)[0]
    with translation.override("sv"), pytest.raises(ValidationError) as refused:
        ticket_finish(ticket=ticket)
    message = refused.value.messages[0]
    assert ticket.number in message
    assert str(S.WAITING.label) in message and str(A.FINISH.label) in message


def test_an_ended_ticket_has_its_end_time(site):
    ticket = ticket_cancel(ticket=issue(site)[0], now=MORNING)
    assert (ticket.status, ticket.finished_at) == (S.CANCELLED, MORNING)


def test_the_database_refuses_a_called_ticket_without_a_call_time(site):
    ticket = issue(site)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueTicket.objects.filter(pk=ticket.pk).update(status=S.CALLED, desk="1")


def test_the_database_refuses_a_finished_ticket_without_an_end_time(site):
    ticket = serving(site)
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueTicket.objects.filter(pk=ticket.pk).update(status=S.FINISHED)


def test_the_database_refuses_a_ticket_at_a_desk_without_a_desk(site):
    ticket = called(site)
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueTicket.objects.filter(pk=ticket.pk).update(desk="", announced_at=timezone.now())
