"""The answer when the database cannot serve a request: 503 with Retry-After, not 500.

Django calls the 500 handler for any exception no view caught, from inside the `except`
block, so the exception is still at hand. An OperationalError or InterfaceError means the
database is out of reach for the moment: no pooled connection came free in time
(DB_POOL_TIMEOUT), too many requests wait for one, the server restarts, a lock was not
granted. psycopg's own errors of that kind count too: closing a server-side cursor (a
queryset's iterator(), as a form's choices use) happens outside Django's wrapper, so a
connection dropped by a restarting server surfaces unwrapped there. The request changed
nothing (its transaction rolled back), and trying again shortly is the right thing to do,
so say that. Under /api/ the API's middleware turns this page into
its JSON error and keeps the header."""

from __future__ import annotations

import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 2


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(
        error,
        OperationalError | InterfaceError | psycopg.OperationalError | psycopg.InterfaceError,
    )


def service_unavailable(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: its context processors would ask the database again.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return defaults.server_error(request)
