from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import Action, sites_for
from indicators.reports import home_scope_for
from indicators.views import dashboard_url


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in leads: managers and analysts to their statistics, counter staff at a
    single site straight to logging, everyone else to the start page."""
    scope = home_scope_for(request.user)
    if scope is not None:
        return redirect(dashboard_url(scope))
    loggable = list(sites_for(request.user, Action.LOG).with_place())
    if len(loggable) == 1:
        return redirect("visits:quick_log", site_code=loggable[0].code)
    return _start_page(request, loggable)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The sites the user can log visits at and read statistics of."""
    return _start_page(request, list(sites_for(request.user, Action.LOG).with_place()))


def _start_page(request: HttpRequest, loggable: list) -> HttpResponse:
    return render(
        request,
        "pages/home.html",
        {
            "loggable_sites": loggable,
            "statistics_sites": sites_for(request.user, Action.VIEW_STATISTICS).with_place(),
        },
    )


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL},
    )
