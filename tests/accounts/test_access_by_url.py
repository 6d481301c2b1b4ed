"""Every endpoint in the URL configuration, for every role, with another organisation's
objects and with the caller's own: another organisation's visit or site is never answered
(404, or a refusal), and never appears in any answer. The routes come from the URL
configuration, so an endpoint added later is checked without anyone remembering to."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from api.services import api_key_create
from organisations.models import Organisation
from tests.factories import OrganisationFactory, SiteFactory, VisitFactory, member, open_case
from tests.helpdesk.appointment_helpers import at, book
from tests.url_walk import every_path, samples_for

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "staff", "manager", "analyst", "admin", "api_key"]
REFUSALS = {302, 401, 403, 404, 405}
# The parameterised routes and who may open them with their own organisation's objects. A
# new route with a parameter fails `test_every_route_with_a_parameter_is_in_the_table`
# until it is added here.
OWN_OBJECT_ROUTES = {
    "visits:quick_log": {"staff", "manager", "admin"},
    "visits:today": {"staff", "manager", "admin"},
    "visits:edit": {"staff", "manager", "admin"},
    "visits:same_again": set(),  # POST only
    "visits:manifest": {"staff", "manager", "admin"},
    "visits:undo": set(),  # POST only
    "api:visit-detail": {"staff", "manager", "analyst", "admin", "api_key"},
    "visits:staffing": {"manager", "admin"},
    "indicators:dashboard": {"staff", "manager", "analyst", "admin"},
    "indicators:live": {"staff", "manager", "analyst", "admin"},
    "indicators:report": {"staff", "manager", "analyst", "admin"},
    "indicators:chart_csv": {"staff", "manager", "analyst", "admin"},
    "indicators:table": {"staff", "manager", "analyst", "admin"},
    # Follow-up cases hold contact details: the counter and its managers, not analysts, and
    # not an API key on the pages (the API has its own case endpoints).
    "cases:new": {"staff", "manager", "admin"},
    "cases:new_from_visit": set(),  # POST only
    "cases:detail": {"staff", "manager", "admin"},
    "cases:edit": {"staff", "manager", "admin"},
    "cases:move": set(),  # POST only
    "cases:comment": set(),  # POST only
    "cases:take": set(),  # POST only
    "api:queue-check-in": set(),  # POST only
    "api:queue-call-next": set(),  # POST only
    "queue:check_in": {"staff", "manager", "admin"},
    "queue:panel": {"staff", "manager", "admin"},
    "queue:call_next": set(),  # POST only
    "queue:act": set(),  # POST only
    # Bookings may hold contact details: the counter and its managers, as cases.
    "appointments:day": {"staff", "manager", "admin"},
    "appointments:detail": {"staff", "manager", "admin"},
    "appointments:act": set(),  # POST only
    # The waiting room's TV: numbers and desks only, no login (SPEC §6).
    "queue:display": set(CALLERS),
}
# Pages anyone may open for any site: they show nothing but ticket numbers and desks.
PUBLIC_ROUTES = {"queue:display"}
# Analysts read the statistics of every site in their region, another organisation's too,
# suppressed where small (SPEC §1, §3; tests/indicators checks the suppression).
REGION_WIDE_FOR_ANALYSTS = {
    "indicators:dashboard",
    "indicators:live",
    "indicators:report",
    "indicators:chart_csv",
    "indicators:table",
}


@pytest.fixture
def world():
    own = OrganisationFactory(code="access-own")
    other = OrganisationFactory(code="access-other", kind=Organisation.Kind.LIBRARY)
    own_site = SiteFactory(code="access-own-site", organisation=own)
    other_site = SiteFactory(code="access-other-site", organisation=other)
    staff = member("staff", site=own_site, username="access-staff")
    users = {
        "staff": staff,
        "manager": member("manager", site=own_site, username="access-manager"),
        "analyst": member("analyst", organisation=own, username="access-analyst"),
        "admin": member("admin", organisation=own, username="access-admin"),
    }
    return {
        "own_site": own_site,
        "other_site": other_site,
        "own_visit": VisitFactory(site=own_site, created_by=staff, staff=staff),
        "other_visit": VisitFactory(site=other_site),
        "own_case": open_case(own_site, title="Eget uppföljningsärende"),
        "other_case": open_case(other_site, title="Annans uppföljningsärende"),
        "own_appointment": book(own_site, staff, at(10), purpose="Egen bokning"),
        "other_appointment": book(
            other_site,
            member("staff", site=other_site, username="access-other-staff"),
            at(10),
            purpose="Annans bokning",
        ),
        "users": users,
        "key": api_key_create(organisation=own, name="access")[1],
    }


def client_as(caller: str, world) -> Client:
    client = Client(raise_request_exception=False)
    if caller == "api_key":
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {world['key']}"
    elif caller != "anonymous":
        client.force_login(world["users"][caller])
    return client


def routes_with_objects(world, whose: str) -> list[str]:
    site, visit, case = world[f"{whose}_site"], world[f"{whose}_visit"], world[f"{whose}_case"]
    samples = samples_for(site, visit, case, world[f"{whose}_appointment"])
    without = set(_paths_without_parameters())
    return [path for path in every_path(samples) if path not in without]


class _Unfilled(dict):
    """Samples that fill every parameter with a mark, to tell routes with parameters."""

    def __missing__(self, key: str) -> str:
        return "\x00"


def _paths_without_parameters() -> list[str]:
    return [path for path in every_path(_Unfilled()) if "\x00" not in path]


def route_name(path: str) -> str:
    match = resolve(path)
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


@pytest.mark.parametrize("caller", CALLERS)
def test_another_organisations_objects_are_refused_on_every_route(world, caller):
    client = client_as(caller, world)
    answered = {}
    for path in routes_with_objects(world, "other"):
        if caller == "analyst" and route_name(path) in REGION_WIDE_FOR_ANALYSTS:
            continue
        if route_name(path) in PUBLIC_ROUTES:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code not in REFUSALS:
                answered[f"{method.upper()} {path}"] = response.status_code
    assert answered == {}


@pytest.mark.parametrize("caller", CALLERS)
def test_no_answer_on_any_route_mentions_another_organisations_visit_case_or_booking(world, caller):
    client = client_as(caller, world)
    secrets = (
        str(world["other_visit"].pk),
        world["other_case"].number,
        world["other_appointment"].purpose,
    )
    samples = samples_for(
        world["own_site"], world["own_visit"], world["own_case"], world["own_appointment"]
    )
    leaks = [
        path
        for path in every_path(samples)
        if any(secret in client.get(path).content.decode(errors="replace") for secret in secrets)
    ]
    assert leaks == []


@pytest.mark.parametrize("caller", CALLERS)
def test_own_objects_are_answered_exactly_for_the_roles_that_may(world, caller):
    client = client_as(caller, world)
    wrong = {}
    for path in routes_with_objects(world, "own"):
        allowed = caller in OWN_OBJECT_ROUTES[route_name(path)]
        status = client.get(path).status_code
        if (status == 200) is not allowed:
            wrong[path] = status
    assert wrong == {}


def test_every_route_with_a_parameter_is_in_the_table(world):
    names = {route_name(path) for path in routes_with_objects(world, "own")}
    assert names == set(OWN_OBJECT_ROUTES)
