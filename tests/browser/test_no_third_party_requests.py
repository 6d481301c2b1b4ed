"""No page loads anything from a host other than the server's own: every page the URL
configuration serves, the API's documentation included, for an anonymous visitor and for
signed-in staff and administrators."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route

from organisations.models import Membership
from tests.browser.helpers import BROWSER_TEST, log_in
from tests.factories import MembershipFactory, UserFactory, VisitFactory, open_case
from tests.url_walk import every_path, samples_for

pytestmark = BROWSER_TEST

# A few of the admin's generated pages, for the superuser: its own assets are bundled too.
ADMIN_PATHS = ["/admin/", "/admin/visits/visit/", "/admin/organisations/site/"]


def requests_elsewhere(page: Page, base_url: str, paths: list[str]) -> dict[str, list[str]]:
    """Open each path and wait until the page is idle; every request to another host is
    refused and listed under the page that made it."""
    own_host = urlsplit(base_url).netloc
    elsewhere: dict[str, list[str]] = {}
    current = {"path": ""}

    def guard(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).netloc == own_host:
            route.continue_()
        else:
            elsewhere.setdefault(current["path"], []).append(url)
            route.abort()

    page.route("**/*", guard)
    for path in paths:
        current["path"] = path
        # Only an HTML page can make the browser load more; the API's JSON, the schema (which
        # the browser would download) and a POST-only view's empty 405 cannot.
        answer = page.request.get(base_url + path)
        if answer.status == 405 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    return elsewhere


@pytest.fixture
def samples(site, staff) -> dict[str, str]:
    visit = VisitFactory(site=site, created_by=staff, staff=staff)
    return samples_for(site, visit, open_case(site, visit=visit))


def test_no_page_an_anonymous_visitor_reaches_loads_from_another_host(page, live_server, samples):
    assert requests_elsewhere(page, live_server.url, every_path(samples)) == {}


def test_no_page_signed_in_staff_reach_loads_from_another_host(page, live_server, staff, samples):
    log_in(page, live_server.url, staff.username)
    paths = [path for path in every_path(samples) if path != "/accounts/logout/"]
    assert requests_elsewhere(page, live_server.url, paths) == {}


def test_no_page_an_administrator_reaches_loads_from_another_host(page, live_server, site, samples):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    MembershipFactory(user=admin, site=site, role=Membership.Role.ADMIN)
    log_in(page, live_server.url, admin.username)
    paths = [path for path in every_path(samples) if path != "/accounts/logout/"]
    assert requests_elsewhere(page, live_server.url, paths + ADMIN_PATHS) == {}
