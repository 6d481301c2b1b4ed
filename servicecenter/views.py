from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import Action, sites_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Counter staff go straight to logging; everyone else sees the sites they can reach."""
    loggable = list(sites_for(request.user, Action.LOG).with_place())
    if len(loggable) == 1:
        return redirect("visits:quick_log", site_code=loggable[0].code)
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
