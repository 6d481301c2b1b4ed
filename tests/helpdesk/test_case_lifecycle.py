"""A case moves only along its lifecycle (SPEC §6); the service layer refuses every other move
and keeps the explicit first-response, resolved and closed times."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from helpdesk.models import Case
from helpdesk.services import case_comment_add, case_transition
from tests.factories import open_case

S = Case.Status
ALLOWED = {
    (S.NEW, S.OPEN),
    (S.OPEN, S.WAITING_VISITOR),
    (S.OPEN, S.WAITING_AGENCY),
    (S.OPEN, S.RESOLVED),
    (S.WAITING_VISITOR, S.OPEN),
    (S.WAITING_VISITOR, S.WAITING_AGENCY),
    (S.WAITING_VISITOR, S.RESOLVED),
    (S.WAITING_AGENCY, S.OPEN),
    (S.WAITING_AGENCY, S.WAITING_VISITOR),
    (S.WAITING_AGENCY, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.OPEN),
    (S.CLOSED, S.OPEN),
}
# The shortest way from a new case to each status, through allowed moves only.
PATH_TO = {
    S.NEW: [],
    S.OPEN: [S.OPEN],
    S.WAITING_VISITOR: [S.OPEN, S.WAITING_VISITOR],
    S.WAITING_AGENCY: [S.OPEN, S.WAITING_AGENCY],
    S.RESOLVED: [S.OPEN, S.RESOLVED],
    S.CLOSED: [S.OPEN, S.RESOLVED, S.CLOSED],
}


def case_in(site, staff, status):
    case = open_case(site)
    for step in PATH_TO[status]:
        case = case_transition(case=case, to_status=step, actor=staff)
    return case


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("current", "target"),
    sorted(itertools.product(S.values, S.values)),
)
def test_only_the_lifecycles_moves_are_allowed(site, staff, current, target):
    case = case_in(site, staff, current)
    if (current, target) in ALLOWED:
        assert case_transition(case=case, to_status=target, actor=staff).status == target
    else:
        with pytest.raises(ValidationError):
            case_transition(case=case, to_status=target, actor=staff)
        case.refresh_from_db()
        assert case.status == current


@pytest.mark.django_db
def test_a_refused_move_says_which_statuses_it_was_between(site, staff):
    case = open_case(site)
    with pytest.raises(ValidationError) as refused:
        case_transition(case=case, to_status=S.CLOSED, actor=staff)
    assert refused.value.messages == [
        "Ett uppföljningsärende med status ”Ny” kan inte få status ”Stängt”."
    ]


@pytest.mark.django_db
def test_an_unknown_status_is_refused(case, staff):
    with pytest.raises(ValidationError):
        case_transition(case=case, to_status="lost", actor=staff)


@pytest.mark.django_db
def test_opening_a_new_case_is_its_first_response(case, staff):
    moment = timezone.now() + datetime.timedelta(minutes=5)
    case = case_transition(case=case, to_status=S.OPEN, actor=staff, now=moment)
    assert case.first_response_at == moment


@pytest.mark.django_db
def test_a_comment_on_a_new_case_is_its_first_response_and_a_later_move_keeps_it(case, staff):
    commented = timezone.now() + datetime.timedelta(minutes=1)
    case_comment_add(case=case, author=staff, text="Ringde Skatteverket", now=commented)
    later = commented + datetime.timedelta(hours=1)
    case = case_transition(case=case, to_status=S.OPEN, actor=staff, now=later)
    assert case.first_response_at == commented


@pytest.mark.django_db
def test_resolving_and_closing_stamp_their_times(site, staff):
    case = case_in(site, staff, S.OPEN)
    resolved = timezone.now() + datetime.timedelta(days=1)
    closed = resolved + datetime.timedelta(days=2)
    case = case_transition(case=case, to_status=S.RESOLVED, actor=staff, now=resolved)
    case = case_transition(case=case, to_status=S.CLOSED, actor=staff, now=closed)
    assert (case.resolved_at, case.closed_at) == (resolved, closed)


@pytest.mark.django_db
def test_reopening_a_closed_case_clears_its_resolved_and_closed_times(site, staff):
    case = case_in(site, staff, S.CLOSED)
    case = case_transition(case=case, to_status=S.OPEN, actor=staff)
    assert (case.status, case.resolved_at, case.closed_at) == (S.OPEN, None, None)


@pytest.mark.django_db
def test_every_move_is_in_the_audit_history_with_who_and_the_codes(case, staff):
    case_transition(case=case, to_status=S.OPEN, actor=staff)
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="update").get()
    assert entry.actor == staff
    assert entry.changes == {"status": ["new", "open"]}
