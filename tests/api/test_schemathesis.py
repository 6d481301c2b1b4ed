"""Schemathesis against the schema the application itself serves at /api/v1/schema/.

Every operation is called in-process through the whole Django stack (WSGI handler, middleware,
URLconf, DRF) inside pytest-django's test transaction, with a real API key and a site with
visits, and each response is checked: no server error, and status code, content type, headers
and body as the schema documents them.
"""

import datetime
import uuid

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from django.utils import timezone
from schemathesis import checks

from api.services import api_key_create
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

# Loaded at collection, through the Django stack, exactly as a client fetches it. (A lazy
# `schemathesis.pytest.from_fixture` schema would be nicer, but schemathesis 4.32.5 sets
# `Function._nodeid`, which pytest 9.2 no longer has.) Werkzeug's test client sends
# `Host: localhost`, which a DEBUG=false configuration would refuse.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
schema = schema.exclude(path_regex=r"^/api/v1/(schema|docs)/")

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,
    checks.unsupported_method,
    checks.allow_header_conformance,
]
# Left out everywhere:
# - positive_data_acceptance: the schema cannot say which codes exist (they are rows: sites,
#   services, municipalities) nor that a period is at most five years, so schema-valid input
#   is rightly refused with a documented 400.
# - negative_data_rejection: DRF and django-filter treat an empty query parameter (`?to=`,
#   `?updated_since=`) as absent, and DRF's CharField takes a number (`"note": 0`) as its text.
#   Lenient on purpose, not an error; the schema just does not say so.
OWN_VISIT = uuid.UUID("0c6d1f7e-3b0a-4f5e-9a51-7d2f0e8b1c01")
FOREIGN_VISIT = uuid.UUID("0c6d1f7e-3b0a-4f5e-9a51-7d2f0e8b1c02")


@pytest.fixture
def api_key(settings, library, library_site, region_site):
    now = timezone.now()
    VisitFactory(id=OWN_VISIT, site=library_site, started_at=now - datetime.timedelta(hours=1))
    VisitFactory(site=library_site, started_at=now - datetime.timedelta(days=1))
    VisitFactory(site=library_site, started_at=now - datetime.timedelta(days=40))
    VisitFactory(id=FOREIGN_VISIT, site=region_site)  # another organisation's: never shown
    _api_key, key = api_key_create(organisation=library, name="schemathesis")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # The checks call more than once per example; 600/minute would soon answer 429 only.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/minute"},
    }
    # Like Django's test client: a request's end must not close the connection that holds
    # the test's transaction (it would, as autocommit is off inside it).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield key
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call_and_validate(case, key: str, only: list = CHECKS):
    __tracebackhide__ = True
    # A failed request is undone, so that after a server error (which aborts a PostgreSQL
    # transaction) the next examples and Hypothesis' shrinking still run on a usable database.
    savepoint = transaction.savepoint()
    try:
        response = case.call_and_validate(
            headers={"Authorization": f"Api-Key {key}"},
            checks=only,
        )
    except BaseException:
        transaction.savepoint_rollback(savepoint)
        raise
    transaction.savepoint_commit(savepoint)
    return response


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI neither flakes nor needs a database
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, api_key):
    call_and_validate(case, api_key)


@pytest.mark.parametrize(
    ("visit_id", "status"),
    [(OWN_VISIT, 200), (FOREIGN_VISIT, 404)],
    ids=["own", "another-organisations"],
)
def test_a_stored_visit_conforms_to_the_schema(api_key, visit_id, status):
    """Generated ids never exist; these do."""
    case = schema["/api/v1/visits/{id}/"]["GET"].Case(path_parameters={"id": str(visit_id)})
    assert call_and_validate(case, api_key).status_code == status


def test_open_indicators_as_csv_conform_to_the_schema(api_key):
    case = schema["/api/v1/open/indicators/"]["GET"].Case(query={"format": "csv"})
    response = call_and_validate(case, api_key)
    assert response.status_code == 200
    assert response.headers["content-type"][0].startswith("text/csv")


# Edge cases that random generation finds only now and then, kept as exact cases: moments
# with a UTC offset beyond ±15:59 (which PostgreSQL refuses as such) are answered, and dates
# near year 1 or 9999 (which overflow on the way to UTC or to the next day) are the client's
# mistake: a documented 400. Never a server error.
LONG_AGO = {
    "site": "lycksele-bibliotek",
    "started_at": "0001-01-01T00:00:00",
    "duration_min": 10,
    "channel": "phone",
    "help": [{"service": "1177.login", "mode": "guided", "outcome": "partly"}],
}
EDGE_CASES = {
    "since-offset-17h": ("GET", "/api/v1/visits/", {"query": {"since": "2026-01-01T00:00-17:00"}}),
    "until-offset+18h": ("GET", "/api/v1/visits/", {"query": {"until": "2026-01-01T00:00+18:00"}}),
    "updated-since-year-1": (
        "GET",
        "/api/v1/visits/",
        {"query": {"updated_since": "0001-01-01T00:00:00"}},
    ),
    "stats-to-9999": (
        "GET",
        "/api/v1/stats/",
        {"query": {"from": "9999-12-31", "to": "9999-12-31"}},
    ),
    "stats-from-1": (
        "GET",
        "/api/v1/stats/",
        {"query": {"from": "0001-01-01", "to": "0001-01-01"}},
    ),
    "open-to-9999": (
        "GET",
        "/api/v1/open/indicators/",
        {"query": {"from": "9999-12-31", "to": "9999-12-31"}},
    ),
    "open-from-1": (
        "GET",
        "/api/v1/open/indicators/",
        {"query": {"from": "0001-01-01", "to": "0001-01-01"}},
    ),
    "visit-year-1": ("POST", "/api/v1/visits/", {"body": LONG_AGO}),
    "bulk-visit-year-1": ("POST", "/api/v1/visits/bulk/", {"body": {"visits": [LONG_AGO]}}),
}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_dates_never_cause_a_server_error(api_key, name):
    method, path, data = EDGE_CASES[name]
    case = schema[path][method].Case(**data)
    response = call_and_validate(case, api_key)
    if "offset" in name:
        # Any offset Python can read is a moment; it reaches the database in UTC.
        assert response.status_code == 200
    elif path.endswith("/bulk/"):
        assert response.json()["results"][0]["status"] == "invalid"
    else:
        assert response.status_code == 400
