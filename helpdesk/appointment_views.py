"""The bookings pages (issue 12): a site's day with each staff member's bookings and free
times and a form to book, and a booking's page to move, cancel or mark it. Every booking comes
through accounts.access.appointments_for, every change through helpdesk.appointment_services;
the day's bookings also show on the queue panel (helpdesk.queue_views), where a visitor who
came is logged through the quick log (visits.views.quick_log)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Action, appointments_for, sites_for
from helpdesk.appointment_forms import AppointmentForm, MoveForm, SlotForm
from helpdesk.appointment_services import (
    appointment_book,
    appointment_cancel,
    appointment_day,
    appointment_move,
    appointment_no_show,
)
from helpdesk.forms import add_service_errors
from helpdesk.lifecycle import AppointmentStatus
from helpdesk.models import Appointment
from organisations.models import Site

# The query parameters of the bookings page: the day, and a free time chosen to book.
DAY_PARAMETER = "dag"
STAFF_PARAMETER = "servicevard"
TIME_PARAMETER = "tid"
# The actions a booking's buttons post: the workflow of each, the name it gives who acted,
# and what is said when it is done.
ACTIONS: dict[str, tuple[Callable[..., Appointment], str, Promise]] = {
    "cancel": (
        appointment_cancel,
        "cancelled_by",
        gettext_lazy("The booking was cancelled; the time is free to book again."),
    ),
    "no_show": (
        appointment_no_show,
        "marked_by",
        gettext_lazy("The booking is marked: the visitor did not come."),
    ),
}


def _counter_site(request: HttpRequest, site_code: str) -> Site:
    return get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)


def _day(request: HttpRequest) -> datetime.date:
    """The day asked for (?dag=YYYY-MM-DD), today when none or none readable."""
    try:
        return datetime.date.fromisoformat(request.GET.get(DAY_PARAMETER, ""))
    except ValueError:
        return timezone.localdate()


def day_url(site: Site, day: datetime.date) -> str:
    return f"{reverse('appointments:day', args=[site.code])}?{DAY_PARAMETER}={day.isoformat()}"


def _chosen_slot(request: HttpRequest, day: datetime.date) -> dict:
    """The booking form's start when a free time was chosen (?servicevard=…&tid=HH:MM)."""
    try:
        start = datetime.time.fromisoformat(request.GET.get(TIME_PARAMETER, ""))
    except ValueError:
        start = None
    return SlotForm.initial_for_slot(day, start, request.GET.get(STAFF_PARAMETER, ""))


def _day_page(
    request: HttpRequest, site: Site, day: datetime.date, form: AppointmentForm, status: int = 200
) -> HttpResponse:
    hours, columns = appointment_day(
        site=site, day=day, appointments=appointments_for(request.user, Action.VIEW)
    )
    one_day = datetime.timedelta(days=1)
    context = {
        "site": site,
        "day": day,
        "is_today": day == timezone.localdate(),
        "hours": hours,
        "columns": columns,
        "form": form,
        "previous_url": day_url(site, day - one_day),
        "next_url": day_url(site, day + one_day),
        "today_url": day_url(site, timezone.localdate()),
        "DAY_PARAMETER": DAY_PARAMETER,
        "STAFF_PARAMETER": STAFF_PARAMETER,
        "TIME_PARAMETER": TIME_PARAMETER,
    }
    return render(request, "helpdesk/appointments/day.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def day(request: HttpRequest, site_code: str) -> HttpResponse:
    """A site's bookings of one day, one column per staff member with their free times, and
    the form that books one (a free time chosen fills it in)."""
    site = _counter_site(request, site_code)
    if request.method == "GET":
        shown = _day(request)
        form = AppointmentForm(initial=_chosen_slot(request, shown), site=site)
        return _day_page(request, site, shown, form)
    form = AppointmentForm(request.POST, site=site)
    if form.is_valid():
        try:
            appointment = appointment_book(
                site=site, booked_by=request.user, **form.booking_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _booked_text(appointment))
            return redirect(day_url(site, timezone.localdate(appointment.starts_at)))
    shown = form.cleaned_data.get("day") or _day(request)
    return _day_page(request, site, shown, form, status=400)


def _staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _booked_text(appointment: Appointment) -> str:
    starts = timezone.localtime(appointment.starts_at)
    return _("Booked: %(staff)s, %(day)s %(start)s–%(end)s.") % {
        "staff": _staff_name(appointment.staff),
        "day": date_format(starts, "l j F"),
        "start": time_format(starts, "H:i"),
        "end": time_format(timezone.localtime(appointment.ends_at), "H:i"),
    }


def _appointment_or_404(
    request: HttpRequest, site_code: str, appointment_id: int, action: Action
) -> Appointment:
    return get_object_or_404(
        appointments_for(request.user, action).select_related("site", "staff", "service"),
        site__code=site_code,
        pk=appointment_id,
    )


def _detail_page(
    request: HttpRequest, appointment: Appointment, form: MoveForm | None = None, status=200
) -> HttpResponse:
    can_change = appointments_for(request.user, Action.CHANGE).filter(pk=appointment.pk).exists()
    booked = appointment.status == AppointmentStatus.BOOKED
    if form is None and can_change and booked:
        form = MoveForm(initial=MoveForm.initial_for(appointment), site=appointment.site)
    context = {
        "appointment": appointment,
        "site": appointment.site,
        "can_change": can_change,
        "form": form if can_change and booked else None,
        "can_mark_no_show": booked and appointment.starts_at <= timezone.now(),
        "day_url": day_url(appointment.site, timezone.localdate(appointment.starts_at)),
    }
    return render(request, "helpdesk/appointments/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, site_code: str, appointment_id: int) -> HttpResponse:
    """A booking, and the form that moves it to another time or staff member."""
    if request.method == "GET":
        return _detail_page(
            request, _appointment_or_404(request, site_code, appointment_id, Action.VIEW)
        )
    appointment = _appointment_or_404(request, site_code, appointment_id, Action.CHANGE)
    form = MoveForm(request.POST, site=appointment.site)
    if form.is_valid():
        starts_at, ends_at = form.slot()
        try:
            appointment = appointment_move(
                appointment=appointment,
                starts_at=starts_at,
                ends_at=ends_at,
                staff=form.cleaned_data["staff"],
                moved_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The booking was moved. %(booked)s") % {
                "booked": _booked_text(appointment)})  # fmt: skip
            return redirect(appointment)
    return _detail_page(request, appointment, form, status=400)


@login_required
@require_POST
def act(request: HttpRequest, site_code: str, appointment_id: int) -> HttpResponse:
    """A booking's buttons (cancel, did not come), from its page or the queue panel: back
    where they were pressed, never to another host."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    appointment = _appointment_or_404(request, site_code, appointment_id, Action.CHANGE)
    workflow, actor, done = ACTIONS[action]
    try:
        workflow(appointment=appointment, **{actor: request.user})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(done))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = appointment.get_absolute_url()
    return redirect(target or appointment.get_absolute_url())
