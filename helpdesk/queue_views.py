"""The waiting queue's pages (SPEC §6): check-in (a kiosk tablet or staff), the staff panel and
the waiting room's display. Check-in and the panel are for the site's counter staff; the
display shows numbers and desks only and needs no login. Every action is a form that posts
and comes back, so the pages work without JavaScript; the scripts add live updates."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Action, appointments_for, queue_tickets_for, sites_for
from helpdesk.lifecycle import AppointmentStatus, TicketAction, TicketStatus
from helpdesk.models import DEFAULT_TICKET_LETTER, DESK_MAX_LENGTH, QueueTicket, ServiceQueue
from helpdesk.services import (
    queue_display_state,
    queue_estimated_wait,
    ticket_call_next,
    ticket_cancel,
    ticket_finish,
    ticket_issue,
    ticket_no_show,
    ticket_recall,
    ticket_start,
    ticket_transfer,
)
from organisations.models import Site

# The desk each staff member works at, per site, kept for the session: typed once a day.
SESSION_DESKS = "queue.desks"
# The ticket just issued, shown once on the check-in page after its redirect.
SESSION_ISSUED = "queue.issued"
# The panel's scripts ask for its live part alone (the lists) with this header.
FRAGMENT_HEADER = "fetch"
# The actions the panel's buttons post that need nothing but the ticket.
SIMPLE_ACTIONS: dict[str, Callable[..., QueueTicket]] = {
    TicketAction.RECALL: ticket_recall,
    TicketAction.START: ticket_start,
    TicketAction.FINISH: ticket_finish,
    TicketAction.NO_SHOW: ticket_no_show,
    TicketAction.CANCEL: ticket_cancel,
}


def _counter_site(request: HttpRequest, site_code: str) -> Site:
    return get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)


def _queues(site: Site) -> list[tuple[str, str]]:
    """The site's queues as (letter, name): queue A always, named by the site or "General"."""
    named = dict(ServiceQueue.objects.filter(site=site).values_list("letter", "name"))
    named.setdefault(DEFAULT_TICKET_LETTER, pgettext("queue", "General"))
    return sorted(named.items())


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, site_code: str) -> HttpResponse:
    """A visitor takes a ticket, in the queue of their errand where the site has several."""
    site = _counter_site(request, site_code)
    if request.method == "POST":
        try:
            ticket = ticket_issue(
                site=site, letter=request.POST.get("letter") or None, issued_by=request.user
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            request.session[SESSION_ISSUED] = ticket.pk
        return redirect("queue:check_in", site_code=site.code)
    issued = None
    if issued_pk := request.session.pop(SESSION_ISSUED, None):
        issued = QueueTicket.objects.filter(site=site, pk=issued_pk).first()
    estimate = None
    if issued is not None:
        estimate = queue_estimated_wait(site=site, letter=issued.letter, ahead_of=issued)
    return render(
        request,
        "helpdesk/queue/check_in.html",
        {"site": site, "queues": _queues(site), "issued": issued, "estimate": estimate},
    )


def _desk(request: HttpRequest, site: Site) -> str:
    return request.session.get(SESSION_DESKS, {}).get(site.code, "")


def _remember_desk(request: HttpRequest, site: Site, desk: str) -> None:
    desks = request.session.get(SESSION_DESKS, {})
    desks[site.code] = desk
    request.session[SESSION_DESKS] = desks


@login_required
@require_GET
def panel(request: HttpRequest, site_code: str) -> HttpResponse:
    """The desks' panel: call the next visitor, work the called tickets, see who waits."""
    site = _counter_site(request, site_code)
    today = QueueTicket.objects.of_day(site)
    context = {
        "site": site,
        "desk": _desk(request, site),
        "desk_max_length": DESK_MAX_LENGTH,
        "waiting": list(today.waiting().for_panel()),
        "at_desks": list(today.at_desks().for_panel()),
        "now": timezone.now(),
        "Status": TicketStatus,
        "Action": TicketAction,
    }
    if request.headers.get("X-Requested-With") == FRAGMENT_HEADER:
        return render(request, "helpdesk/queue/_panel_live.html", context)
    context["queues"] = _queues(site)
    # Today's bookings, for "came – log the visit" (helpdesk.appointment_views).
    context["appointments"] = list(
        appointments_for(request.user, Action.VIEW)
        .of_day(site)
        .exclude(status=AppointmentStatus.CANCELLED)
        .for_listing()
    )
    return render(request, "helpdesk/queue/panel.html", context)


@login_required
@require_POST
def call_next(request: HttpRequest, site_code: str) -> HttpResponse:
    site = _counter_site(request, site_code)
    desk = request.POST.get("desk", "")
    try:
        ticket = ticket_call_next(
            site=site, desk=desk, called_by=request.user, letter=request.POST.get("letter") or None
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("queue:panel", site_code=site.code)
    _remember_desk(request, site, ticket.desk if ticket else desk.strip())
    if ticket is None:
        messages.info(request, _("Nobody is waiting."))
    else:
        messages.success(
            request,
            _("%(number)s is called to desk %(desk)s.")
            % {"number": ticket.number, "desk": ticket.desk},
        )
    return redirect("queue:panel", site_code=site.code)


@login_required
@require_POST
def ticket_action(request: HttpRequest, site_code: str) -> HttpResponse:
    """One of the panel's buttons on a ticket: the form posts the ticket and the action."""
    site = _counter_site(request, site_code)
    ticket_id, action = request.POST.get("ticket", ""), request.POST.get("action", "")
    if not ticket_id.isdigit() or action not in (*SIMPLE_ACTIONS, TicketAction.TRANSFER):
        raise Http404
    ticket = get_object_or_404(
        queue_tickets_for(request.user, Action.CHANGE).filter(site=site), pk=ticket_id
    )
    try:
        if action == TicketAction.TRANSFER:
            ticket = ticket_transfer(ticket=ticket, desk=request.POST.get("desk", ""))
        else:
            ticket = SIMPLE_ACTIONS[action](ticket=ticket)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Ticket %(number)s: %(status)s.")
            % {"number": ticket.number, "status": TicketStatus(ticket.status).label},
        )
    return redirect("queue:panel", site_code=site.code)


@require_GET
def display(request: HttpRequest, site_code: str) -> HttpResponse:
    """The waiting room's screen: numbers and desks only, so no login (SPEC §6)."""
    site = get_object_or_404(Site.objects.filter(is_active=True), code=site_code)
    return render(
        request,
        "helpdesk/queue/display.html",
        {"site": site, "state": queue_display_state(site=site)},
    )
