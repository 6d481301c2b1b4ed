"""The tablet's outbox sends visits logged offline through POST /api/v1/visits/bulk/ with the
signed-in staff member's session (issue 13): the same access rule as an API key, CSRF as for
any signed-in form, and the visits are the staff member's own, logged at the counter."""

import uuid

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from tests.factories import MembershipFactory, SiteFactory, UserFactory, VisitFactory
from tests.visits.test_quick_log import typical_visit
from visits.models import Visit

pytestmark = pytest.mark.django_db

BULK = "/api/v1/visits/bulk/"


def outbox_item(site, **overrides) -> dict:
    """A visit as the quick-log screen keeps it in its outbox: what the form would have saved."""
    item = {
        "id": str(uuid.uuid4()),
        "site": site.code,
        "started_at": timezone.localtime().replace(second=0, microsecond=0).isoformat(),
        "duration_min": 15,
        "channel": "walk_in",
        "age_band": "75+",
        "help": [{"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}],
    }
    item.update(overrides)
    return item


@pytest.fixture
def tablet(staff):
    """A browser signed in as counter staff that checks CSRF tokens, as a real one does."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    return browser


def csrf_token(browser: Client, site) -> str:
    browser.get(reverse("visits:quick_log", args=[site.code]))
    return browser.cookies["csrftoken"].value


def send(browser: Client, site, items: list[dict], **headers):
    return browser.post(
        BULK,
        {"visits": items},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(browser, site), **headers},
    )


def test_visits_sent_from_the_outbox_are_the_staff_members_own_counter_visits(tablet, site, staff):
    items = [outbox_item(site) for _ in range(3)]
    response = send(tablet, site, items)
    assert response.status_code == 200, response.content
    assert [result["status"] for result in response.json()["results"]] == ["created"] * 3
    stored = Visit.objects.filter(pk__in=[item["id"] for item in items])
    assert stored.count() == 3
    assert {(v.created_by, v.staff, v.source) for v in stored} == {
        (staff, staff, Visit.Source.COUNTER)
    }


def test_the_outbox_without_the_csrf_token_is_refused_and_nothing_is_saved(tablet, site):
    response = tablet.post(BULK, {"visits": [outbox_item(site)]}, content_type="application/json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_signed_out_tablet_is_asked_to_sign_in_and_nothing_is_saved(site):
    response = Client().post(BULK, {"visits": [outbox_item(site)]}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Visit.objects.exists()


def test_a_site_where_the_staff_member_does_not_log_is_refused_per_visit(tablet, site):
    elsewhere = SiteFactory(code="storuman")
    items = [outbox_item(site), outbox_item(elsewhere)]
    response = send(tablet, site, items)
    first, second = response.json()["results"]
    assert first["status"] == "created"
    assert second["status"] == "invalid"
    assert "site" in second["errors"]
    assert list(Visit.objects.values_list("site__code", flat=True)) == [site.code]


def test_an_analyst_signed_in_may_send_no_visits(site):
    analyst = UserFactory()
    MembershipFactory(user=analyst, site=site, role=Membership.Role.ANALYST)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(analyst)
    # The analyst has no quick log to take a token from: a token of the browser's own.
    browser.cookies[settings.CSRF_COOKIE_NAME] = token = "t" * CSRF_SECRET_LENGTH
    response = browser.post(
        BULK,
        {"visits": [outbox_item(site)]},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.json()["results"][0]["status"] == "invalid"
    assert not Visit.objects.exists()


def test_a_quick_log_save_sent_again_from_the_outbox_is_a_duplicate_not_a_second_visit(
    client, site, staff
):
    # The save reached the server but its answer was lost: the outbox sends the same visit.
    client.force_login(staff)
    visit_id = uuid.uuid4()
    started = timezone.localtime().replace(second=0, microsecond=0)
    client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(visit_id=str(visit_id), started_at=started.strftime("%Y-%m-%dT%H:%M")),
    )
    item = outbox_item(site, id=str(visit_id), started_at=started.isoformat())
    response = client.post(BULK, {"visits": [item]}, content_type="application/json")
    assert response.json()["results"] == [{"id": str(visit_id), "status": "duplicate"}]
    assert Visit.objects.count() == 1


def test_an_id_of_another_staff_members_visit_elsewhere_is_a_conflict_telling_nothing(tablet, site):
    hidden = VisitFactory(site=SiteFactory(code="storuman"), duration_min=40)
    response = send(tablet, site, [outbox_item(site, id=str(hidden.pk))])
    assert response.json()["results"] == [{"id": str(hidden.pk), "status": "conflict"}]
    hidden.refresh_from_db()
    assert (hidden.site.code, hidden.duration_min) == ("storuman", 40)
