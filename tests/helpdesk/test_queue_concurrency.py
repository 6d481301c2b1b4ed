"""Staff pressing "call next" at the same moment never get the same visitor (SPEC §6): twenty
desks, twenty threads, one barrier. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from helpdesk.lifecycle import TicketStatus
from helpdesk.models import QueueTicket
from helpdesk.services import ticket_call_next
from tests.helpdesk.queue_helpers import issue

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TICKETS = 20


def together(count: int, work: Callable[[int], object]) -> tuple[list, list[Exception]]:
    """Run `work(i)` in `count` threads released at once; their results and errors."""
    start = threading.Barrier(count)
    results: list = []
    errors: list[Exception] = []

    def run(index: int) -> None:
        try:
            start.wait()
            results.append(work(index))
        except Exception as error:  # reported by the test's assertion, with its cause
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def call_at_desk(site):
    return lambda index: ticket_call_next(site=site, desk=str(index + 1), called_by=None)


def test_twenty_desks_calling_at_once_get_twenty_different_tickets(site):
    issue(site, TICKETS)
    called, errors = together(TICKETS, call_at_desk(site))
    assert errors == []
    assert len({ticket.pk for ticket in called}) == TICKETS
    # Each ticket is at the desk that got it, and at no other.
    desks = dict(QueueTicket.objects.values_list("pk", "desk"))
    assert all(desks[ticket.pk] == ticket.desk for ticket in called)
    assert not QueueTicket.objects.filter(status=TicketStatus.WAITING).exists()


def test_more_calls_than_waiting_visitors_call_each_once_and_the_rest_get_nobody(site):
    issue(site, TICKETS)
    called, errors = together(TICKETS + 5, call_at_desk(site))
    assert errors == []
    tickets = [ticket for ticket in called if ticket is not None]
    assert len({ticket.pk for ticket in tickets}) == TICKETS
    assert called.count(None) == 5
