"""Queue tickets made through the workflows (helpdesk.services), as staff make them: with their
numbers and live events, for the queue's tests."""

from __future__ import annotations

import datetime

from helpdesk.models import QueueTicket
from helpdesk.services import ticket_call_next, ticket_issue, ticket_start
from organisations.models import Site

# 10:00 in Lycksele on a Monday in March (UTC+1): the queue's clock in tests that set `now`.
MORNING = datetime.datetime(2026, 3, 16, 9, 0, tzinfo=datetime.UTC)


def issue(site: Site, count: int = 1, **fields) -> list[QueueTicket]:
    return [ticket_issue(site=site, **fields) for _ in range(count)]


def call(site: Site, desk: str = "1", **fields) -> QueueTicket:
    ticket = ticket_call_next(site=site, desk=desk, called_by=None, **fields)
    assert ticket is not None, "nobody was waiting"
    return ticket


def called(site: Site, desk: str = "1", now: datetime.datetime | None = None) -> QueueTicket:
    """A new ticket, called to `desk`."""
    issue(site, now=now)
    return call(site, desk, now=now)


def serving(site: Site, desk: str = "1", now: datetime.datetime | None = None) -> QueueTicket:
    """A new ticket, called to `desk` and being served there."""
    return ticket_start(ticket=called(site, desk, now=now), now=now)
