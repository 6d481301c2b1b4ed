"""The help-desk's part of the demo (`manage.py seed_demo`): a month of the waiting queue at the
service centres, today's queue under way at Lycksele, and follow-up cases in every status.
Everything is written through helpdesk.services, as staff would, with the moments it
happened; a second run replaces it and gives the same data for the same day and seed."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from helpdesk.models import Case, CaseNumberSequence, QueueTicket, TicketNumberSequence
from helpdesk.services import (
    ContactDetails,
    case_comment_add,
    case_create,
    case_transition,
    ticket_call_next,
    ticket_finish,
    ticket_issue,
    ticket_no_show,
    ticket_start,
)
from organisations.models import Site
from servicecenter.workdays import add_working_days
from visits.models import EService, Provider, Visit

# The centres that keep a queue, their counter staff and busiest day's tickets.
QUEUES = {"lycksele": ("staff-lycksele", 18), "storuman": ("staff-storuman", 9)}
QUEUE_DAYS = 30
OPENS, CLOSES = 9, 15  # the counter's hours, local time
NO_SHOW_SHARE = 0.05

# (site, days ago opened, e-service, title, the statuses it went through, contact, comment)
CASES = [
    ("lycksele", 1, "forsakringskassan.housing", "Bostadsbidraget behöver kompletteras",
     [], True, None),
    ("lycksele", 3, "eid.bankid", "BankID går inte att förnya på mobilen",
     ["open"], False, "Besökaren kommer tillbaka med sin nya mobil på torsdag."),
    ("lycksele", 6, "skatteverket.declaration", "Deklarationen saknar avdrag för resor",
     ["open", "waiting_agency"], False, "Skickat fråga till Skatteverket."),
    ("lycksele", 12, "1177.login", "Kan inte se provsvar i 1177",
     ["open", "waiting_visitor"], True, "Väntar på att besökaren hittar sitt e-postlösenord."),
    ("lycksele", 20, "forsakringskassan.parental", "Föräldrapenning, ansökan fastnade",
     ["open", "resolved"], False, "Ansökan skickad tillsammans med besökaren."),
    ("lycksele", 35, "mailbox.kivra", "Digital brevlåda, fel adress hos Kivra",
     ["open", "resolved", "closed"], False, None),
    ("storuman", 2, "arbetsformedlingen.activity_report", "Aktivitetsrapporten går inte att skicka",
     ["open"], False, None),
    ("storuman", 15, "csn.apply", "CSN-ansökan, saknar intyg",
     ["open", "waiting_agency"], False, "CSN ber om ett intyg från skolan."),
    ("asele", 9, "pensionsmyndigheten.apply", "Pensionsansökan, vill ha hjälp att jämföra val",
     ["open", "waiting_visitor"], False, None),
    ("asele", 40, "device.basics", "Ny surfplatta, behöver komma igång",
     ["open", "resolved", "closed"], False, None),
]  # fmt: skip


@dataclass(frozen=True)
class HelpdeskDemoSummary:
    tickets: int
    cases: int


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _working_days(today: datetime.date, count: int) -> list[datetime.date]:
    """The `count` working days before today, oldest first."""
    days, day = [], today - datetime.timedelta(days=1)
    while len(days) < count:
        if add_working_days(day, 0) == day:
            days.append(day)
        day -= datetime.timedelta(days=1)
    return days[::-1]


def _queue_day(
    rng: random.Random, site: Site, staff, day: datetime.date, tickets: int, *, until=None
) -> int:
    """A day at the counter: tickets through the opening hours, called at two desks in order,
    served and finished (now and then a visitor who did not come). With `until`, the day is
    today and stops there, the tickets all taken before it: what comes after has not
    happened yet."""
    opens = _at(day, OPENS)
    span = (until or _at(day, CLOSES)) - opens
    minutes = sorted(rng.randrange(0, int(span.total_seconds() // 60)) for _ in range(tickets))
    issued = [opens + datetime.timedelta(minutes=m) for m in minutes]
    for moment in issued:
        ticket_issue(site=site, issued_by=staff, now=moment)
    free = {"1": _at(day, OPENS), "2": _at(day, OPENS)}
    for moment in issued:
        desk = min(free, key=free.get)
        called = max(free[desk], moment) + datetime.timedelta(minutes=rng.randint(1, 6))
        if until is not None and called > until:
            break  # still waiting
        ticket = ticket_call_next(site=site, desk=desk, called_by=staff, now=called)
        if rng.random() < NO_SHOW_SHARE:
            ticket_no_show(ticket=ticket, now=called + datetime.timedelta(minutes=3))
            free[desk] = called + datetime.timedelta(minutes=3)
            continue
        started = called + datetime.timedelta(minutes=1)
        finished = started + datetime.timedelta(minutes=rng.randint(6, 30))
        ticket_start(ticket=ticket, now=started)
        if until is None or finished <= until:
            ticket_finish(ticket=ticket, now=finished)
        free[desk] = finished
    return len(issued)


def _clear(sites: list[Site]) -> None:
    cases = Case.objects.filter(site__in=sites)
    AuditEntry.objects.filter(
        content_type__model="case",
        content_type__app_label="helpdesk",
        object_id__in=[str(pk) for pk in cases.values_list("pk", flat=True)],
    ).delete()
    cases.delete()
    CaseNumberSequence.objects.filter(site__in=sites).delete()
    QueueTicket.objects.filter(site__in=sites).delete()
    TicketNumberSequence.objects.filter(site__in=sites).delete()


@transaction.atomic
def helpdesk_demo_seed(
    *,
    seed: int,
    queue_days: int = QUEUE_DAYS,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> HelpdeskDemoSummary:
    """Replace the demo sites' queue tickets and follow-up cases (their history included)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    sites = {site.code: site for site in Site.objects.filter(code__in=[c[0] for c in CASES])}
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=[staff for staff, _ in QUEUES.values()] + ["staff-asele", "manager-lycksele"]
    )}  # fmt: skip
    _clear(list(sites.values()))

    tickets = 0
    for code, (username, busiest) in QUEUES.items():
        site, staff = sites[code], users[username]
        for day in _working_days(today, queue_days):
            tickets += _queue_day(rng, site, staff, day, rng.randint(busiest // 2, busiest))
    # Today at Lycksele, an hour into the morning however late it is: a queue under way.
    morning = min(now, _at(today, OPENS + 1, 30))
    if morning > _at(today, OPENS):
        lycksele = sites["lycksele"]
        tickets += _queue_day(rng, lycksele, users["staff-lycksele"], today, 12, until=morning)
    progress(f"queue: {tickets} tickets over {queue_days} working days")

    agency = Provider.objects.filter(code="skatteverket").first()
    for code, days_ago, service, title, statuses, contact, comment in CASES:
        site = sites[code]
        staff = users.get(f"staff-{code}")
        opened = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 5))
        visit = (
            Visit.objects.filter(site=site, started_at__date=timezone.localdate(opened))
            .order_by("started_at")
            .first()
        )
        case = case_create(
            site=site,
            service=EService.objects.get(code=service),
            title=title,
            created_by=staff,
            assignee=staff if statuses else None,
            visit=visit,
            referral_agency=agency if "waiting_agency" in statuses else None,
            contact=ContactDetails(consent=True, name="Besökare (demo)", phone="0950-123 45")
            if contact
            else None,
            now=opened,
        )
        moment = opened
        for status in statuses:
            moment += datetime.timedelta(hours=rng.randint(2, 30))
            case = case_transition(case=case, to_status=status, actor=staff, now=min(moment, now))
        if comment:
            case_comment_add(case=case, author=staff, text=comment, now=min(moment, now))
    progress(f"follow-up cases: {len(CASES)}")
    return HelpdeskDemoSummary(tickets=tickets, cases=len(CASES))
