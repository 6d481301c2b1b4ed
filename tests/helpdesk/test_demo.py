"""The help-desk's demo data: a queue with history and today's under way, cases in every
status, the same on a second run."""

import datetime

import pytest
from django.utils import timezone

from helpdesk.demo import CASES, helpdesk_demo_seed
from helpdesk.models import Case, QueueTicket
from visits.demo import demo_seed

pytestmark = pytest.mark.django_db

# A Tuesday morning, so that today's queue is under way.
NOW = timezone.make_aware(datetime.datetime(2026, 3, 17, 11, 0))


@pytest.fixture
def demo():
    demo_seed(visits=300, seed=7, today=NOW.date())
    return helpdesk_demo_seed(seed=7, queue_days=3, now=NOW)


def test_the_demo_has_cases_in_every_status_but_new_and_closed_alike(demo):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"new", "open", "waiting_visitor", "waiting_agency", "resolved", "closed"}
    assert Case.objects.count() == len(CASES) == demo.cases


def test_todays_queue_at_lycksele_has_visitors_waiting_and_being_served(demo):
    today = QueueTicket.objects.filter(site__code="lycksele", day=NOW.date())
    assert today.filter(status="waiting").exists() or today.filter(status="serving").exists()
    assert QueueTicket.objects.filter(waited_min__isnull=False, day__lt=NOW.date()).count() > 10


def test_a_second_run_gives_the_same_data(demo):
    first = sorted(QueueTicket.objects.values_list("number", "day", "status", "waited_min"))
    cases = sorted(Case.objects.values_list("number", "status", "due_date"))
    helpdesk_demo_seed(seed=7, queue_days=3, now=NOW)
    assert sorted(QueueTicket.objects.values_list("number", "day", "status", "waited_min")) == first
    assert sorted(Case.objects.values_list("number", "status", "due_date")) == cases
