"""The quick log without a connection (issue 13): its service worker, its web app manifest and
the words of its outbox.

The service worker keeps the application shell and the counter's pages, so that after one
visit online the quick log opens offline; the outbox (static/js/visit-outbox.js) keeps visits
saved without a connection in IndexedDB and sends them through POST /api/v1/visits/bulk/,
signed in as the staff member who logged them. The visit's id, chosen on the tablet, makes
every resend of it the same visit."""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import Action, sites_for
from organisations.models import Site

# What the quick log needs to open with no connection: its styles, scripts and icons. The
# pages themselves (a site's quick log and day's list, with the site's e-services and code
# lists in them) are kept by the worker as they are visited.
SHELL = (
    "css/app.css",
    "js/app.js",
    "js/quick-log.js",
    "js/visit-outbox.js",
    "vendor/idb-8.0.4/umd.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)
WORKBOX = tuple(
    f"vendor/workbox-7.4.1/workbox-{module}.prod.js"
    for module in ("core", "routing", "strategies", "precaching")
)
# How long a page may take before the worker answers with the copy it keeps.
NETWORK_TIMEOUT_SECONDS = 4
# The worker's scope: the counter's pages, and nothing outside them.
SCOPE = "/visits/"
ICON_SIZES = (192, 512)


def _revision(path: str) -> str:
    """The file's content hash: Workbox fetches a shell file again only when it changed. Read
    once per process in production (a release replaces the process); in development on each
    request, as files change under a running server."""
    return _file_hash(path) if settings.DEBUG else _file_hash_once(path)


def _file_hash(path: str) -> str:
    found = finders.find(path)
    if found is None:
        raise FileNotFoundError(f"The offline shell names {path}, which is not a static file.")
    with open(found, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:16]


_file_hash_once = functools.cache(_file_hash)


def _precache() -> list[dict[str, str]]:
    return [{"url": static(path), "revision": _revision(path)} for path in SHELL]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = _precache()
    workbox = [static(path) for path in WORKBOX]
    # A new release is a new worker: the browser compares the script byte for byte.
    release = hashlib.sha256(
        json.dumps([precache, [_revision(path) for path in WORKBOX]]).encode()
    ).hexdigest()[:12]
    body = render_to_string(
        "visits/service_worker.js",
        {
            "release": release,
            "precache": json.dumps(precache),
            "workbox_scripts": ", ".join(json.dumps(url) for url in workbox),
            "network_timeout_seconds": NETWORK_TIMEOUT_SECONDS,
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on every visit; no cache may hide a release from them.
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def manifest(request: HttpRequest, site_code: str) -> JsonResponse:
    """The installable quick log of one of the caller's sites: it opens at that site's quick
    log. The page asks for it with the session's cookie (crossorigin="use-credentials")."""
    site = get_object_or_404(sites_for(request.user, Action.LOG), code=site_code)
    return JsonResponse(
        {
            "name": f"Servicecenter – {site.name}",
            "short_name": "Servicecenter",
            "description": _("Log visits at the counter, with or without a connection."),
            "lang": request.LANGUAGE_CODE,
            "start_url": reverse("visits:quick_log", args=[site.code]),
            "scope": SCOPE,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5394",
            "icons": [
                {
                    "src": static(f"img/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in ICON_SIZES
            ],
        },
        content_type="application/manifest+json",
    )


def outbox_context(site: Site) -> dict:
    """What the outbox panel (visits/_outbox.html) needs on the quick log and the day's list."""
    return {
        "outbox_pages": json.dumps(
            [
                reverse("visits:quick_log", args=[site.code]),
                reverse("visits:today", args=[site.code]),
            ]
        ),
        "outbox_strings": _outbox_strings(),
        "outbox_scope": SCOPE,
    }


def _outbox_strings() -> dict:
    # Counts: Swedish and English have one form for 1 and one for the rest.
    return {
        "online": _("Connected."),
        "offline": _(
            "No connection: visits are kept on this tablet and sent when the connection returns."
        ),
        "none": _("No visits wait to be sent."),
        "waiting": {
            "one": _("%(count)s visit waits to be sent."),
            "other": _("%(count)s visits wait to be sent."),
        },
        "refused": {
            "one": _("%(count)s visit was refused and needs your attention."),
            "other": _("%(count)s visits were refused and need your attention."),
        },
        "others": {
            "one": _("%(count)s visit on this tablet waits for another user to sign in."),
            "other": _("%(count)s visits on this tablet wait for another user to sign in."),
        },
        "sent": {
            "one": _("%(count)s waiting visit was sent."),
            "other": _("%(count)s waiting visits were sent."),
        },
        "lastSync": _("Last sent at %(time)s."),
        "neverSynced": _("Nothing sent from this tablet yet."),
        "sending": _("Sending…"),
        "kept": _(
            "The visit was saved on this tablet and will be sent when the connection returns."
        ),
        "keptSlow": _(
            "The server did not answer in time. The visit was saved on this tablet and will be "
            "sent shortly."
        ),
        "signedOut": _(
            "Your session has ended. Sign in again to send the waiting visits; they stay on "
            "this tablet."
        ),
        "incomplete": _(
            "Choose an e-service, how the visitor was helped and an age band before saving."
        ),
        "badgeWaiting": _("Waiting to be sent"),
        "badgeRefused": _("Refused"),
        "conflict": _("Another visit was already saved under this visit's id."),
        "otherSite": _("At %(site)s"),
        "edit": _("Edit"),
        "discard": _("Discard"),
        "discardQuestion": _("Discard this visit? It has not reached the server."),
        "discardConfirm": _("Yes, discard"),
        "discardCancel": _("Keep it"),
        "discarded": _("The visit was discarded."),
        "editing": _("Correct the visit and save it again: %(summary)s"),
        "onlineOnly": _("Needs a connection"),
    }
