from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import Action, sites_for, visits_for
from visits.forms import (
    DEFAULT_DURATION_MIN,
    VisitForm,
    collect_help_items,
    error_summary,
    help_item_forms,
)
from visits.models import EService, Visit
from visits.services import (
    HelpItemInput,
    visit_delete,
    visit_log,
    visit_repeat,
    visit_undo_deadline,
    visit_update,
)
from visits.tables import TodayVisitTable

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


@login_required
def quick_log(request: HttpRequest, site_code: str) -> HttpResponse:
    site = get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)
    form = VisitForm(request.POST or None)
    help_forms = help_item_forms(data=request.POST or None)
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
                    **form.visit_fields(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                _remember_saved(request, visit)
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
            "default_duration": DEFAULT_DURATION_MIN,
            "loggable_site_count": sites_for(request.user, Action.LOG).count(),
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
    table = TodayVisitTable(visits, changeable_ids=changeable)
    return render(request, "visits/today.html", {"site": site, "table": table})


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
