from __future__ import annotations

import datetime
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from accounts.access import Action, appointments_for, sites_for, visits_for
from helpdesk.appointment_services import appointment_arrive, appointment_visit_initial
from helpdesk.models import Appointment
from servicecenter.exports import EXPORT_FORMATS, export_response
from visits.filters import VisitListFilter
from visits.forms import (
    DEFAULT_DURATION_MIN,
    SummaryError,
    VisitForm,
    VisitIdForm,
    collect_help_items,
    error_summary,
    help_item_forms,
    with_limit,
)
from visits.models import (
    CLOSES_AFTER_OPENS,
    STAFF_ON_DUTY,
    STAFFING_NOTE_MAX_LENGTH,
    EService,
    StaffingException,
    StaffingPattern,
    Visit,
    Weekday,
)
from visits.offline_views import outbox_context
from visits.records import NOTE_VALIDATORS
from visits.services import (
    HelpItemInput,
    StaffingDay,
    staffing_calendar,
    staffing_date_check,
    staffing_earliest,
    staffing_exception_delete,
    staffing_exception_save,
    staffing_horizon,
    staffing_pattern_save,
    visit_delete,
    visit_log,
    visit_repeat,
    visit_undo_deadline,
    visit_update,
)
from visits.tables import TodayVisitTable, VisitListTable

TOP_SERVICE_COUNT = 8
# Shown first at a site that has logged too little to rank its own services yet.
DEFAULT_TOP_SERVICES = [
    "eid.bankid",
    "skatteverket.declaration",
    "1177.login",
    "mailbox.kivra",
    "forsakringskassan.parental",
    "banking.internet_bank",
    "arbetsformedlingen.activity_report",
    "device.basics",
]
SESSION_UNDO = "visits.undo"
# The quick log opened for a booked visitor who came (the queue panel's "came – log the
# visit"): ?bokning=<id>, carried back by the form as `appointment`.
APPOINTMENT_PARAMETER = "bokning"
SESSION_FINISHED_TIMER = "visits.finished_timer"


def _service_choices(site) -> tuple[list[EService], list[EService]]:
    """The site's most used services first, then every other active service."""
    services = list(EService.objects.active().with_provider())
    by_code = {service.code: service for service in services}
    ranked = [s.code for s in EService.objects.most_used_at(site, limit=TOP_SERVICE_COUNT)]
    for code in DEFAULT_TOP_SERVICES:
        if len(ranked) >= TOP_SERVICE_COUNT:
            break
        if code in by_code and code not in ranked:
            ranked.append(code)
    top = [by_code[code] for code in ranked if code in by_code]
    rest = [service for service in services if service.code not in ranked]
    for service in services:
        service.search_text = " ".join(
            [
                service.label_sv,
                service.label_en,
                service.provider.label_sv,
                service.provider.label_en,
                service.keywords,
                service.code,
            ]
        ).lower()
    return top, rest


def _undo_left(seconds: int) -> str:
    return ngettext(
        "You can undo it for %(seconds)s second.",
        "You can undo it for %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}


def _timer_strings(undo_seconds: int) -> dict:
    """Texts the quick-log script shows, translated here so that one catalogue serves all.

    The undo countdown gets one sentence per second it counts down from, each in the plural
    form its number needs ("1 sekund", "2 sekunder"): the script only picks one."""
    return {
        "visit": _("Visit %(number)s, started %(time)s"),
        "finish": _("Finish and log"),
        "discard": _("Discard"),
        "finishing": _("Timer stopped: choose the e-service, help mode and age band, then save."),
        "noMatch": _("No e-service matches."),
        "matches": _("%(count)s e-services match."),
        "undoLeft": {str(n): _undo_left(n) for n in range(1, undo_seconds + 1)},
        "discardQuestion": _("Discard this timer?"),
        "discardConfirm": _("Yes, discard"),
        "discardCancel": _("Cancel"),
        "discarded": _("The timer was discarded."),
    }


def _saved_summary(visit: Visit) -> str:
    """What was saved, said once: each help item's e-service and help mode, so that a glance
    (or "same as last") shows what went into the statistics."""
    items = ", ".join(
        f"{item.service.label} – {item.mode.label}"
        for item in visit.help_items.select_related("service", "mode")
    )
    return _("Saved: %(help_items)s.") % {"help_items": items}


def _pending_undo(request: HttpRequest) -> tuple[Visit | None, int]:
    visit_id = request.session.get(SESSION_UNDO)
    if not visit_id:
        return None, 0
    visit = visits_for(request.user, Action.UNDO).filter(pk=visit_id).first()
    if visit is None:
        request.session.pop(SESSION_UNDO, None)
        return None, 0
    # The screen counts down the promised seconds; the server's grace is for slow networks.
    remaining = (visit_undo_deadline(visit) - timezone.now()).total_seconds()
    remaining -= settings.VISIT_UNDO_GRACE_SECONDS
    return visit, max(1, int(remaining))


def _remember_saved(request: HttpRequest, visit: Visit) -> None:
    request.session[SESSION_UNDO] = str(visit.pk)
    if timer := request.POST.get("timer"):
        request.session[SESSION_FINISHED_TIMER] = timer[:64]


def _arriving(request: HttpRequest, site) -> tuple[str, Appointment | None]:
    """The booking the quick log was opened for, if any: its id as given, and the booking
    while its visit can still be logged (at this site, by someone who may change it)."""
    given = (
        request.POST.get("appointment", "")
        if request.method == "POST"
        else request.GET.get(APPOINTMENT_PARAMETER, "")
    )
    if not given.isdigit():
        return "", None
    appointment = appointments_for(request.user, Action.CHANGE).filter(site=site, pk=given).first()
    return given, appointment if appointment is not None and appointment.awaits_visit else None


def _link_to_appointment(request: HttpRequest, appointment: Appointment | None, visit) -> None:
    """Mark the booking as come with the visit just logged. The visit stays saved if that is
    refused (the booking was cancelled or linked meanwhile): the visitor was helped all the
    same, and staff are told."""
    try:
        if appointment is None:
            raise ValidationError(_("The booking was changed meanwhile."))
        appointment_arrive(appointment=appointment, visit=visit, actor=request.user)
    except ValidationError as error:
        messages.error(
            request,
            _("The visit was saved, but not linked to the booking: %(reason)s")
            % {"reason": " ".join(error.messages)},
        )


@login_required
def quick_log(request: HttpRequest, site_code: str) -> HttpResponse:
    site = get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)
    appointment_given, appointment = _arriving(request, site)
    initial = appointment_visit_initial(appointment) if appointment is not None else {}
    service = initial.pop("service", None)
    form = VisitForm(request.POST or None, initial=initial)
    id_form = VisitIdForm(request.POST or None, initial={"visit_id": uuid.uuid4()})
    help_forms = help_item_forms(data=request.POST or None)
    if service is not None:
        help_forms[0].initial["service"] = service
    if request.method == "POST":
        help_items = collect_help_items(help_forms)
        if form.is_valid() and help_items:
            try:
                visit = visit_log(
                    site=site,
                    created_by=request.user,
                    staff=request.user,
                    help_items=help_items,
                    barriers=form.cleaned_data["barriers"],
                    visit_id=id_form.chosen(),
                    **form.visit_fields(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _remember_saved(request, visit)
                if appointment_given:
                    _link_to_appointment(request, appointment, visit)
                return redirect("visits:quick_log", site_code=site.code)
    top_services, other_services = _service_choices(site)
    undo_visit, undo_seconds = _pending_undo(request)
    details_have_errors = any(
        name in form.errors for name in form.fields if name != "age_band"
    ) or any(f.errors for f in help_forms[1:])
    return render(
        request,
        "visits/quick_log.html",
        {
            "site": site,
            "form": form,
            "id_form": id_form,
            "help_forms": help_forms,
            "first_help": help_forms[0],
            "extra_help_forms": help_forms[1:],
            "selected_service": str(help_forms[0]["service"].value() or ""),
            "top_services": top_services,
            "top_codes": [service.code for service in top_services],
            "timer_strings": _timer_strings(undo_seconds),
            "other_services": other_services,
            "undo_visit": undo_visit,
            "undo_left": _undo_left(undo_seconds) if undo_visit else "",
            "undo_seconds": undo_seconds,
            # When the undo period ends, in the tablet's terms: a copy of this page opened
            # later without a connection must not offer an undo that is long gone.
            "undo_until_ms": int((timezone.now().timestamp() + undo_seconds) * 1000),
            "saved_summary": _saved_summary(undo_visit) if undo_visit else "",
            "time_zone": timezone.get_current_timezone_name(),
            "error_summary": error_summary(form, help_forms, quick_log=True),
            "finished_timer": request.session.pop(SESSION_FINISHED_TIMER, ""),
            "today_count": visits_for(request.user, Action.VIEW)
            .filter(site=site)
            .started_today()
            .count(),
            "has_previous": Visit.objects.filter(site=site, created_by=request.user).exists(),
            "details_open": details_have_errors,
            "default_duration": initial.get("duration_min", DEFAULT_DURATION_MIN),
            "loggable_site_count": sites_for(request.user, Action.LOG).count(),
            "appointment": appointment,
            **outbox_context(site),
        },
    )


@login_required
@require_POST
def same_again(request: HttpRequest, site_code: str) -> HttpResponse:
    site = get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)
    previous = (
        Visit.objects.filter(site=site, created_by=request.user)
        .prefetch_related(
            "help_items__service", "help_items__mode", "help_items__outcome", "barriers"
        )
        .order_by("-created_at")
        .first()
    )
    if previous is None:
        messages.error(request, _("There is no earlier visit of yours at this site to repeat."))
    else:
        visit = visit_repeat(previous=previous, created_by=request.user, started_at=timezone.now())
        _remember_saved(request, visit)
    return redirect("visits:quick_log", site_code=site.code)


@login_required
@require_POST
def undo(request: HttpRequest, visit_id) -> HttpResponse:
    visit = get_object_or_404(
        visits_for(request.user, Action.VIEW).select_related("site"), pk=visit_id
    )
    site_code = visit.site.code
    if visits_for(request.user, Action.UNDO).filter(pk=visit.pk).exists():
        visit_delete(visit=visit, deleted_by=request.user)
        request.session.pop(SESSION_UNDO, None)
        messages.success(request, _("The visit was undone and is no longer saved."))
    elif visits_for(request.user, Action.CHANGE).filter(pk=visit.pk).exists():
        messages.error(request, _("It is too late to undo; you can still edit the visit today."))
        return redirect("visits:edit", visit_id=visit.pk)
    else:
        messages.error(request, _("This visit can no longer be undone."))
    return redirect("visits:quick_log", site_code=site_code)


@login_required
def today(request: HttpRequest, site_code: str) -> HttpResponse:
    site = get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)
    visits = visits_for(request.user, Action.VIEW).filter(site=site).started_today().for_listing()
    changeable = set(
        visits_for(request.user, Action.CHANGE).filter(site=site).values_list("pk", flat=True)
    )
    can_follow_up = sites_for(request.user, Action.OPEN_CASE).filter(pk=site.pk).exists()
    table = TodayVisitTable(
        visits,
        changeable_ids=changeable,
        follow_up_token=get_token(request) if can_follow_up else "",
    )
    return render(
        request,
        "visits/today.html",
        {
            "site": site,
            "table": table,
            "time_zone": timezone.get_current_timezone_name(),
            **outbox_context(site),
        },
    )


@login_required
def edit(request: HttpRequest, visit_id) -> HttpResponse:
    visit = get_object_or_404(
        visits_for(request.user, Action.CHANGE).select_related("site"), pk=visit_id
    )
    current = [
        HelpItemInput(service=item.service, mode=item.mode, outcome=item.outcome)
        for item in visit.help_items.select_related("service", "mode", "outcome")
    ]
    # The form validates onto its own copy, so the workflow still sees the values before the
    # change and can record what changed.
    form = VisitForm(request.POST or None, instance=Visit.objects.get(pk=visit.pk))
    help_forms = help_item_forms(data=request.POST or None, current=current)
    if request.method == "POST":
        help_items = collect_help_items(help_forms)
        if form.is_valid() and help_items:
            try:
                visit_update(
                    visit=visit,
                    updated_by=request.user,
                    help_items=help_items,
                    barriers=form.cleaned_data["barriers"],
                    **form.visit_fields(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("The visit was saved."))
                return redirect("visits:today", site_code=visit.site.code)
    return render(
        request,
        "visits/edit.html",
        {
            "visit": visit,
            "site": visit.site,
            "form": form,
            "help_forms": help_forms,
            "error_summary": error_summary(form, help_forms, quick_log=False),
        },
    )


# The visit list (issue 9): managers and analysts list, filter, sort and export visits.
VISIT_LIST_PER_PAGE = 50
# Visits read from the database per chunk of an export: two queries a chunk (the visits with
# their site and taxonomies, then their help items).
EXPORT_CHUNK_SIZE = 2000
# An Excel file is built in memory, so it has a ceiling; CSV streams and has none. Measured
# here: 100,000 rows took 40 s and 370 MB in one worker; 25,000 about a quarter of that.
XLSX_MAX_ROWS = 25_000


def _grouped(number: int) -> str:
    """A count as people read it in the active language: 100 000, 100,000."""
    return number_format(number, force_grouping=True)


def _export_url(request: HttpRequest, filters: VisitListFilter, export: str) -> str:
    """This list's address with its filters and sort, the period spelled out, as an export."""
    params = request.GET.copy()
    params.pop("page", None)
    first, last = filters.period
    params["from"], params["to"] = first.isoformat(), last.isoformat()
    params["_export"] = export
    return f"{reverse('visits:list')}?{params.urlencode()}"


def _export_strings() -> dict:
    """Texts the export script shows, translated here (the script fills in the numbers)."""
    return {
        "started": _("Preparing the download…"),
        "rows": _("%(done)s of %(total)s rows"),
        "receiving": _("Receiving the file with %(total)s rows…"),
        "done": _("Download finished: %(total)s rows in %(filename)s."),
        "failed": _("The download failed. Please try again."),
    }


def _visit_list_page(
    request: HttpRequest,
    filters: VisitListFilter,
    *,
    table: VisitListTable | None = None,
    export_error: str = "",
    status: int = 200,
) -> HttpResponse:
    valid = not filters.form.errors
    context = {
        "filter": filters,
        "form": filters.form,
        "error_summary": filters.error_summary(),
        "more_filters_open": filters.more_filters_used(),
        "table": table,
        "export_error": export_error,
        "xlsx_max_rows": _grouped(XLSX_MAX_ROWS),
        "sort": request.GET.get("sort", "") if valid else "",
    }
    if valid:
        context["period_first"], context["period_last"] = filters.period
        context["export_urls"] = {fmt: _export_url(request, filters, fmt) for fmt in EXPORT_FORMATS}
        context["export_strings"] = _export_strings()
    if table is not None:
        context["has_rows"] = bool(len(table.page.object_list))
    return render(request, "visits/visit_list.html", context, status=status)


def _visit_export(
    request: HttpRequest, filters: VisitListFilter, table: VisitListTable, export: str
) -> HttpResponse:
    """Every visit the list shows, in its order, as one file: CSV streamed, XLSX built in
    memory up to XLSX_MAX_ROWS. X-Total-Rows tells the page's script how many rows to expect."""
    total = filters.qs.count()
    if export == "xlsx" and total > XLSX_MAX_ROWS:
        error = _(
            "%(total)s visits are too many for an Excel file, which holds at most %(limit)s. "
            "Download CSV instead, or choose a shorter period or more filters."
        ) % {"total": _grouped(total), "limit": _grouped(XLSX_MAX_ROWS)}
        return _visit_list_page(request, filters, export_error=error, status=400)
    visits = table.data.data  # filtered, ordered as asked, with for_visit_list()'s fetching
    first, last = filters.period
    return export_response(
        request,
        rows=VisitListTable.export_rows(visits, chunk_size=EXPORT_CHUNK_SIZE),
        export=export,
        filename=f"besok-{first.isoformat()}--{last.isoformat()}.{export}",
        title=_("Visits"),
        total=total,
    )


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """Visits the user may view, filtered, sorted and paginated without counting them; with
    `?_export=csv` or `?_export=xlsx` the same visits as a file."""
    filters = VisitListFilter(
        request.GET, queryset=visits_for(request.user, Action.VIEW), request=request
    )
    export = request.GET.get("_export")
    export = export if export in EXPORT_FORMATS else None
    if not filters.is_valid():
        return _visit_list_page(request, filters, status=400 if export else 200)
    table = VisitListTable(filters.qs.for_visit_list())
    RequestConfig(request, paginate=False).configure(table)  # the sort asked for
    if export:
        return _visit_export(request, filters, table, export)
    try:
        table.paginate(
            paginator_class=LazyPaginator,
            per_page=VISIT_LIST_PER_PAGE,
            page=request.GET.get("page") or 1,
        )
    except (PageNotAnInteger, EmptyPage):  # not a number, or past the end
        table.paginate(paginator_class=LazyPaginator, per_page=VISIT_LIST_PER_PAGE, page=1)
    return _visit_list_page(request, filters, table=table)


# --- Staffing: opening hours and staff on duty per site (issue 9, SPEC §6) ---------------------
#
# The weekly pattern, its exceptions and Sweden's public holidays give the site's StaffedHours,
# which the workflows in visits.services write. The forms serve this one page.

STAFF_RANGE = with_limit(
    gettext_lazy("Enter from %(low)d to %(high)d staff on duty."), STAFF_ON_DUTY
)
HOURS_REQUIRED = {
    "opens": gettext_lazy("Enter the opening time."),
    "closes": gettext_lazy("Enter the closing time."),
    "staff_on_duty": gettext_lazy("Enter how many staff are on duty."),
}
DATE_MESSAGES = {
    "required": gettext_lazy("Enter the date."),
    "invalid": gettext_lazy("Enter the date as year, month and day, for example 2026-06-19."),
}
# What the page's forms post as `action`.
STAFFING_PATTERN = "pattern"
STAFFING_EXCEPTION = "exception"
STAFFING_DELETE = "delete"
# How far ahead the page lists public holidays and exceptions: the coming twelve months.
STAFFING_LISTED_DAYS = 365


def _time_field(label, invalid) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": invalid},
    )


def _staffing_date_field(label) -> forms.DateField:
    # The workflows check the date again; checking it here shows its error with the others.
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[staffing_date_check],
        error_messages=DATE_MESSAGES,
    )


def _limit_dates(field: forms.Field) -> None:
    """Tell the browser the dates that may be chosen (they move with today)."""
    field.widget.attrs.update(
        min=staffing_earliest().isoformat(), max=staffing_horizon().isoformat()
    )


class StaffingHoursForm(forms.Form):
    """Opening time, closing time and staff on duty: all required on a day the site is open,
    ignored on a closed one."""

    opens = _time_field(
        gettext_lazy("Opens"),
        gettext_lazy("Enter the opening time as hours and minutes, for example 09:00."),
    )
    closes = _time_field(
        gettext_lazy("Closes"),
        gettext_lazy("Enter the closing time as hours and minutes, for example 16:00."),
    )
    staff_on_duty = forms.IntegerField(
        label=gettext_lazy("Staff on duty"),
        required=False,
        min_value=STAFF_ON_DUTY.low,
        max_value=STAFF_ON_DUTY.high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": STAFF_RANGE, "min_value": STAFF_RANGE, "max_value": STAFF_RANGE},
    )

    def opens_the_site(self, cleaned: dict) -> bool:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if not self.opens_the_site(cleaned):
            return cleaned
        for name, message in HOURS_REQUIRED.items():
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes", CLOSES_AFTER_OPENS)
        return cleaned


class StaffingDayForm(StaffingHoursForm):
    """One weekday of the regular week; a day not marked open is closed."""

    is_open = forms.BooleanField(label=gettext_lazy("Open"), required=False)
    field_order = ["is_open", "opens", "closes", "staff_on_duty"]

    def __init__(self, *args, weekday: Weekday, **kwargs):
        self.weekday = weekday
        super().__init__(*args, prefix=weekday.name.lower(), **kwargs)

    def opens_the_site(self, cleaned: dict) -> bool:
        return bool(cleaned.get("is_open"))

    def staffing_day(self) -> StaffingDay | None:
        """The day for staffing_pattern_save, or None when closed (valid forms only)."""
        data = self.cleaned_data
        if not data["is_open"]:
            return None
        return StaffingDay(
            weekday=self.weekday.value,
            opens=data["opens"],
            closes=data["closes"],
            staff_on_duty=data["staff_on_duty"],
        )


class StaffingPatternForm(forms.Form):
    effective_from = _staffing_date_field(gettext_lazy("Applies from"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].help_text = _(
            "Staffed hours are recalculated from this day to the end of next year; earlier "
            "days keep the hours recorded for them."
        )
        _limit_dates(self.fields["effective_from"])


class StaffingExceptionForm(StaffingHoursForm):
    """A date on which the site is closed, or open with other hours than the regular week."""

    date = _staffing_date_field(gettext_lazy("Date"))
    closed = forms.TypedChoiceField(
        label=gettext_lazy("On this date"),
        choices=[
            ("closed", gettext_lazy("Closed")),
            ("open", gettext_lazy("Open, with the hours below")),
        ],
        coerce=lambda value: value == "closed",
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose whether the site is closed or open."),
            "invalid_choice": gettext_lazy("Choose whether the site is closed or open."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=STAFFING_NOTE_MAX_LENGTH,
        validators=NOTE_VALIDATORS,
        help_text=gettext_lazy("For example “Midsommarafton” or “Staff training”."),
        error_messages={
            "max_length": gettext_lazy("Keep the note to at most %(limit_value)d characters.")
        },
    )
    field_order = ["date", "closed", "opens", "closes", "staff_on_duty", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="exception", **kwargs)
        self.initial.setdefault("closed", "closed")
        _limit_dates(self.fields["date"])

    def opens_the_site(self, cleaned: dict) -> bool:
        return cleaned.get("closed") is False


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a workflow's ValidationError on the fields it names (the rest on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _field_anchor(field: forms.BoundField) -> str:
    # includes/field.html wraps radio buttons in a fieldset with this id.
    if field.widget_type == "radioselect":
        return f"{field.html_name}-group"
    return field.auto_id


def _staffing_error_summary(form: forms.Form, *, name: str = "") -> list[SummaryError]:
    """The form's errors in the order of its fields, each linking to its field; `name` (a
    weekday) starts each line, as the page shows seven forms alike."""

    def line(message) -> str:
        if not name:
            return str(message)
        return _("%(weekday)s: %(message)s") % {"weekday": name, "message": message}

    errors = [SummaryError(line(message)) for message in form.non_field_errors()]
    for field in form:
        errors += [SummaryError(line(message), _field_anchor(field)) for message in field.errors]
    return errors


def _staffing_day_forms(site, data=None) -> list[StaffingDayForm]:
    week = {row.weekday: row for row in StaffingPattern.objects.filter(site=site)}
    day_forms = []
    for weekday in Weekday:
        row = week.get(weekday.value)
        initial = (
            {
                "is_open": True,
                "opens": row.opens,
                "closes": row.closes,
                "staff_on_duty": row.staff_on_duty,
            }
            if row
            else {"is_open": False}
        )
        day_forms.append(StaffingDayForm(data, initial=initial, weekday=weekday))
    return day_forms


def _save_staffing_pattern(
    request: HttpRequest, site, pattern_form: StaffingPatternForm, day_forms: list[StaffingDayForm]
) -> bool:
    # Every form is validated, so that all errors show at once.
    valid = [form.is_valid() for form in (pattern_form, *day_forms)]
    if not all(valid):
        return False
    effective_from = pattern_form.cleaned_data["effective_from"]
    try:
        staffing_pattern_save(
            site=site,
            days=[day for form in day_forms if (day := form.staffing_day()) is not None],
            saved_by=request.user,
            effective_from=effective_from,
        )
    except ValidationError as error:
        _add_service_errors(pattern_form, error)
        return False
    messages.success(
        request,
        _("The opening hours were saved. Staffed hours from %(date)s on follow them.")
        % {"date": date_format(effective_from)},
    )
    return True


def _save_staffing_exception(
    request: HttpRequest, site, exception_form: StaffingExceptionForm
) -> bool:
    if not exception_form.is_valid():
        return False
    data = exception_form.cleaned_data
    try:
        staffing_exception_save(
            site=site,
            date=data["date"],
            closed=data["closed"],
            opens=data["opens"],
            closes=data["closes"],
            staff_on_duty=data["staff_on_duty"],
            note=data["note"],
            saved_by=request.user,
        )
    except ValidationError as error:
        _add_service_errors(exception_form, error)
        return False
    messages.success(
        request, _("The exception for %(date)s was saved.") % {"date": date_format(data["date"])}
    )
    return True


def _delete_staffing_exception(request: HttpRequest, site) -> None:
    pk = request.POST.get("exception", "")
    exception = get_object_or_404(
        StaffingException.objects.filter(site=site), pk=pk if pk.isdigit() else None
    )
    try:
        staffing_exception_delete(exception=exception, deleted_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The exception for %(date)s was deleted.") % {"date": date_format(exception.date)},
        )


@login_required
@require_http_methods(["GET", "POST"])
def staffing(request: HttpRequest, site_code: str) -> HttpResponse:
    """A site's regular week, and the exceptions and public holidays of the coming year."""
    site = get_object_or_404(sites_for(request.user, Action.MANAGE), code=site_code)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in (
        STAFFING_PATTERN,
        STAFFING_EXCEPTION,
        STAFFING_DELETE,
    ):
        return HttpResponseBadRequest()
    if action == STAFFING_DELETE:
        _delete_staffing_exception(request, site)
        return redirect("visits:staffing", site_code=site.code)

    today = timezone.localdate()
    pattern_data = request.POST if action == STAFFING_PATTERN else None
    exception_data = request.POST if action == STAFFING_EXCEPTION else None
    day_forms = _staffing_day_forms(site, pattern_data)
    pattern_form = StaffingPatternForm(pattern_data, initial={"effective_from": today})
    exception_form = StaffingExceptionForm(exception_data)
    if action == STAFFING_PATTERN and _save_staffing_pattern(
        request, site, pattern_form, day_forms
    ):
        return redirect("visits:staffing", site_code=site.code)
    if action == STAFFING_EXCEPTION and _save_staffing_exception(request, site, exception_form):
        return redirect("visits:staffing", site_code=site.code)

    summary: list[SummaryError] = []
    heading = ""
    if action == STAFFING_PATTERN:
        summary = _staffing_error_summary(pattern_form)
        for form in day_forms:
            summary += _staffing_error_summary(form, name=capfirst(form.weekday.label))
        heading = _("The opening hours were not saved. Please check:")
    elif action == STAFFING_EXCEPTION:
        summary = _staffing_error_summary(exception_form)
        heading = _("The exception was not saved. Please check:")
    listed_until = today + datetime.timedelta(days=STAFFING_LISTED_DAYS - 1)
    return render(
        request,
        "visits/staffing.html",
        {
            "site": site,
            "day_forms": day_forms,
            "pattern_form": pattern_form,
            "exception_form": exception_form,
            "calendar": staffing_calendar(site=site, date_from=today, date_to=listed_until),
            "listed_from": today,
            "listed_until": listed_until,
            "error_summary": summary,
            "error_heading": heading,
        },
    )
