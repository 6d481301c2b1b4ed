"""The follow-up case pages (issue 12): the list, the board by status, a case with its actions,
comments and history, and the forms that open and edit one. Every case comes through
accounts.access.cases_for; every change through helpdesk.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import Action, cases_for, sites_for, visits_for
from helpdesk.filters import CaseListFilter
from helpdesk.forms import CaseForm, CommentForm, add_service_errors
from helpdesk.history import case_history
from helpdesk.lifecycle import CASE_ACTIVE_STATUSES, CASE_TRANSITIONS, CaseStatus
from helpdesk.models import Case
from helpdesk.services import (
    case_comment_add,
    case_create,
    case_from_visit,
    case_transition,
    case_update,
)
from helpdesk.tables import CaseTable
from servicecenter.exports import EXPORT_FORMATS, export_response

CASE_LIST_PER_PAGE = 50
# The board's columns: closed cases leave the board (the list still finds them).
BOARD_STATUSES = (*CASE_ACTIVE_STATUSES, CaseStatus.RESOLVED)


def _export_url(request: HttpRequest, export: str) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params["_export"] = export
    return f"{reverse('cases:list')}?{params.urlencode()}"


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see, filtered and sorted, the overdue highlighted; with
    `?_export=csv` or `?_export=xlsx` the same cases as a file."""
    filters = CaseListFilter(
        request.GET, queryset=cases_for(request.user, Action.VIEW).for_list(), user=request.user
    )
    export = request.GET.get("_export")
    export = export if export in EXPORT_FORMATS else None
    context = {"filter": filters, "form": filters.form}
    if not filters.is_valid():
        return render(request, "helpdesk/case_list.html", context, status=400 if export else 200)
    # The page leaves out what the case's own page shows, so that the table fits a desktop
    # screen (and turns into cards on a tablet); the files have every column.
    table = CaseTable(filters.qs, exclude=() if export else CaseTable.DETAIL_COLUMNS)
    RequestConfig(request, paginate=False).configure(table)
    if export:
        return export_response(
            request,
            rows=CaseTable.export_rows(table.data.data),
            export=export,
            filename=f"uppfoljningsarenden-{timezone.localdate().isoformat()}.{export}",
            title=_("Follow-up cases"),
            total=len(table.data),
        )
    try:
        table.paginate(per_page=CASE_LIST_PER_PAGE, page=request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        table.paginate(per_page=CASE_LIST_PER_PAGE, page=1)
    context.update(
        table=table,
        export_urls={fmt: _export_url(request, fmt) for fmt in EXPORT_FORMATS},
        new_case_sites=sites_for(request.user, Action.OPEN_CASE).order_by("name"),
    )
    return render(request, "helpdesk/case_list.html", context)


@login_required
@require_GET
def case_board(request: HttpRequest) -> HttpResponse:
    """The cases still in play in one column per status; a card moves through the lifecycle
    by a drag (the page's script) or by its own "Move to" form (keyboard, no script)."""
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    if not data.getlist("status"):
        data.setlist("status", list(BOARD_STATUSES))
    filters = CaseListFilter(
        data, queryset=cases_for(request.user, Action.VIEW).for_list(), user=request.user
    )
    columns = []
    if filters.is_valid():
        changeable = set(cases_for(request.user, Action.CHANGE).values_list("pk", flat=True))
        by_status: dict[str, list[Case]] = {status: [] for status in BOARD_STATUSES}
        for case in filters.qs.order_by("due_date", "id"):
            case.can_change = case.pk in changeable
            case.moves = [(s, CaseStatus(s).label) for s in CASE_TRANSITIONS[case.status]]
            by_status.setdefault(case.status, []).append(case)
        columns = [(CaseStatus(status), cards) for status, cards in by_status.items()]
    return render(
        request,
        "helpdesk/case_board.html",
        {"filter": filters, "form": filters.form, "columns": columns},
    )


def _case_or_404(request: HttpRequest, number: str, action: Action) -> Case:
    return get_object_or_404(cases_for(request.user, action).for_detail(), number=number)


def _detail(request: HttpRequest, case: Case, *, comment_form=None, status=200) -> HttpResponse:
    can_change = cases_for(request.user, Action.CHANGE).filter(pk=case.pk).exists()
    context = {
        "case": case,
        "can_change": can_change,
        "moves": [(s, CaseStatus(s).label) for s in CASE_TRANSITIONS[case.status]],
        "comments": case.comments.select_related("author"),
        "comment_form": comment_form or CommentForm(),
        "history": case_history(case),
        "is_overdue": case.status in CASE_ACTIVE_STATUSES and case.due_date < timezone.localdate(),
    }
    return render(request, "helpdesk/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _case_or_404(request, number, Action.VIEW))


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """Back where the action was taken (the board or the case), never to another host."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = case.get_absolute_url()
    return redirect(target or case.get_absolute_url())


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def case_move(request: HttpRequest, number: str) -> HttpResponse:
    """A step through the lifecycle, from the case page or the board. The board's script asks
    for JSON and moves the card itself; without script the page is loaded again."""
    case = _case_or_404(request, number, Action.CHANGE)
    target = request.POST.get("status", "")
    try:
        case = case_transition(case=case, to_status=target, actor=request.user)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=409)
        messages.error(request, " ".join(error.messages))
        return _back(request, case)
    text = _("%(number)s is now “%(status)s”.") % {
        "number": case.number,
        "status": case.get_status_display(),
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "status": case.status,
                "message": text,
                "moves": [
                    {"status": s, "label": str(CaseStatus(s).label)}
                    for s in CASE_TRANSITIONS[case.status]
                ],
            }
        )
    messages.success(request, text)
    return _back(request, case)


@login_required
@require_POST
def case_comment(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number, Action.CHANGE)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            case_comment_add(case=case, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _detail(request, case, comment_form=form, status=400)
    messages.success(request, _("The comment was added."))
    return redirect(f"{case.get_absolute_url()}#comments")


@login_required
@require_POST
def case_take(request: HttpRequest, number: str) -> HttpResponse:
    """ "Assign to me": the one-tap way to take a case."""
    case = _case_or_404(request, number, Action.CHANGE)
    try:
        case_update(case=case, actor=request.user, assignee=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are now the case's assignee."))
    return _back(request, case)


def _case_form_page(request, form, *, site, case=None, visit=None, status=200) -> HttpResponse:
    return render(
        request,
        "helpdesk/case_form.html",
        {"form": form, "site": site, "case": case, "visit": visit},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, site_code: str) -> HttpResponse:
    """Open a case on its own (a phone call, a letter): the site is chosen in the address."""
    site = get_object_or_404(sites_for(request.user, Action.OPEN_CASE), code=site_code)
    if request.method == "GET":
        return _case_form_page(request, CaseForm(site=site), site=site)
    form = CaseForm(request.POST, site=site)
    if form.is_valid():
        try:
            case = case_create(
                site=site, created_by=request.user, contact=form.contact, **form.case_fields
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up case %(number)s was opened.") % {
                "number": case.number})  # fmt: skip
            return redirect(case)
    return _case_form_page(request, form, site=site, status=400)


@login_required
@require_POST
def case_new_from_visit(request: HttpRequest, visit_id) -> HttpResponse:
    """One tap from a visit: a case at its site about its first e-service, titled after it,
    opened and shown for the details. A second tap finds the case already open."""
    visit = get_object_or_404(
        visits_for(request.user, Action.VIEW).filter(
            site__in=sites_for(request.user, Action.OPEN_CASE)
        ),
        pk=visit_id,
    )
    existing = cases_for(request.user, Action.VIEW).active().filter(visit=visit).first()
    if existing is not None:
        messages.info(request, _("This visit already has follow-up case %(number)s.") % {
            "number": existing.number})  # fmt: skip
        return redirect(existing)
    try:
        case = case_from_visit(visit=visit, created_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visits:today", site_code=visit.site.code)
    messages.success(
        request,
        _("Follow-up case %(number)s was opened. Add what remains to be done.")
        % {"number": case.number},
    )
    return redirect("cases:edit", number=case.number)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number, Action.CHANGE)
    if request.method == "GET":
        form = CaseForm(initial=CaseForm.initial_for(case), site=case.site, case=case)
        return _case_form_page(request, form, site=case.site, case=case)
    form = CaseForm(request.POST, site=case.site, case=case)
    if form.is_valid():
        try:
            case = case_update(
                case=case, actor=request.user, contact=form.contact, **form.case_fields
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was saved."))
            return redirect(case)
    return _case_form_page(request, form, site=case.site, case=case, status=400)
