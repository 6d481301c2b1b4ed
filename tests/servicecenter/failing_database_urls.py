"""The project's URLs plus a page that loses its database connection the way psycopg reports
it when a server-side cursor is closed after PostgreSQL went away (outside Django's wrapper)."""

import psycopg
from django.urls import path

from servicecenter.urls import handler500  # noqa: F401 (the project's, looked up here)
from servicecenter.urls import urlpatterns as project_urlpatterns


def connection_dropped(request):
    raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")


urlpatterns = [path("dropped/", connection_dropped), *project_urlpatterns]
