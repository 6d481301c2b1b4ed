"""The estimated wait a visitor is shown at check-in: people ahead × the median service time of
today's finished tickets ÷ the desks busy in the last half hour."""

import datetime

import pytest

from helpdesk.models import ServiceQueue
from helpdesk.services import (
    DEFAULT_SERVICE_MINUTES,
    queue_estimated_wait,
    ticket_finish,
    ticket_start,
)
from tests.helpdesk.queue_helpers import MORNING, called, issue

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
NOW = MORNING + 60 * MINUTE


def served(site, minutes: int, *, desk: str = "1", at: datetime.datetime = MORNING) -> None:
    """A ticket served at `desk` for `minutes`, called at `at`."""
    ticket = ticket_start(ticket=called(site, desk, now=at), now=at)
    ticket_finish(ticket=ticket, now=at + minutes * MINUTE)


def test_nobody_ahead_means_no_wait(site):
    estimate = queue_estimated_wait(site=site, now=NOW)
    assert (estimate.ahead, estimate.minutes) == (0, 0)


def test_before_anyone_is_served_each_visitor_ahead_counts_the_default_time(site):
    issue(site, 3, now=NOW)
    estimate = queue_estimated_wait(site=site, now=NOW)
    assert (estimate.ahead, estimate.minutes, estimate.measured) == (
        3,
        3 * DEFAULT_SERVICE_MINUTES,
        False,
    )


def test_the_median_of_todays_service_times_is_used(site):
    for minutes in (4, 6, 20):
        served(site, minutes)
    issue(site, 2, now=NOW)
    estimate = queue_estimated_wait(site=site, now=NOW)
    assert (estimate.minutes, estimate.measured) == (2 * 6, True)


def test_the_wait_is_shared_between_the_desks_busy_in_the_last_half_hour(site):
    served(site, 6, desk="1", at=NOW - 50 * MINUTE)  # long ago: desk 1 does not count
    served(site, 6, desk="2", at=NOW - 10 * MINUTE)
    served(site, 6, desk="3", at=NOW - 5 * MINUTE)
    issue(site, 5, now=NOW)
    assert queue_estimated_wait(site=site, now=NOW).minutes == 15  # 5 × 6 ÷ 2


def test_the_minutes_are_rounded_up(site):
    served(site, 7, desk="2", at=NOW - 10 * MINUTE)
    served(site, 7, desk="3", at=NOW - 5 * MINUTE)
    issue(site, 1, now=NOW)
    assert queue_estimated_wait(site=site, now=NOW).minutes == 4  # 1 × 7 ÷ 2 = 3.5


def test_a_ticket_counts_only_the_visitors_before_it(site):
    first, _second, third = issue(site, 3, now=NOW)
    assert queue_estimated_wait(site=site, ahead_of=third, now=NOW).ahead == 2
    assert queue_estimated_wait(site=site, ahead_of=first, now=NOW).minutes == 0


def test_yesterdays_service_times_do_not_count(site):
    served(site, 30, at=MORNING - datetime.timedelta(days=1))
    issue(site, 1, now=NOW)
    assert queue_estimated_wait(site=site, now=NOW).minutes == DEFAULT_SERVICE_MINUTES


def test_only_the_visitors_queue_counts(site):
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation")
    issue(site, 4, letter="B", now=NOW)
    issue(site, 1, now=NOW)
    assert queue_estimated_wait(site=site, letter="A", now=NOW).ahead == 1
