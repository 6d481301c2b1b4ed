"""The queue's pages: check-in and the staff panel for the site's counter staff (404 for
anybody else, as everywhere), the display for anyone. Every action is a form that posts and
comes back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.lifecycle import TicketStatus
from helpdesk.models import QueueTicket, ServiceQueue
from organisations.models import Membership
from tests.factories import SiteFactory, member
from tests.helpdesk.queue_helpers import called, issue, serving
from visits.models import EService

pytestmark = pytest.mark.django_db

S = TicketStatus


@pytest.fixture
def counter(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def other_staff(db):
    """Counter staff at another site only."""
    return member(Membership.Role.STAFF, site=SiteFactory(code="storuman"))


def url(name: str, site) -> str:
    return reverse(f"queue:{name}", args=[site.code])


def act(client, site, ticket, action: str, *, follow: bool = False, **fields):
    """Press one of the panel's buttons on a ticket."""
    data = {"ticket": ticket.pk, "action": action, **fields}
    return client.post(url("act", site), data, follow=follow)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_check_in_asks_for_a_login(client, site):
    response = client.get(url("check_in", site))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "check_in"), ("post", "check_in"), ("get", "panel"), ("post", "call_next")],
)
def test_staff_of_another_site_get_404(client, site, other_staff, method, name):
    issue(site)
    client.force_login(other_staff)
    response = getattr(client, method)(url(name, site), {"desk": "1"})
    assert response.status_code == 404
    assert QueueTicket.objects.get().status == S.WAITING


def test_staff_of_another_site_cannot_act_on_a_ticket(client, site, other_staff):
    ticket = issue(site)[0]
    client.force_login(other_staff)
    assert act(client, site, ticket, "cancel").status_code == 404
    assert QueueTicket.objects.get().status == S.WAITING


def test_a_ticket_of_another_site_is_not_found_through_ones_own_site(counter, site):
    ticket = issue(SiteFactory(code="storuman"))[0]
    assert act(counter, site, ticket, "cancel").status_code == 404


def test_the_panel_and_the_display_answer_no_posts(counter, site):
    assert counter.post(url("panel", site)).status_code == 405
    assert counter.post(url("display", site)).status_code == 405


def test_an_unknown_action_is_not_found(counter, site):
    ticket = issue(site)[0]
    assert act(counter, site, ticket, "explode").status_code == 404


def test_check_in_issues_a_ticket_and_shows_its_number_and_the_wait(counter, site):
    issue(site, 2)
    response = counter.post(url("check_in", site), {"letter": "A"}, follow=True)
    assert response.context["issued"].number == "A003"
    content = response.content.decode()
    assert 'data-number="A003"' in content
    assert 'data-ahead="2"' in content and 'data-minutes="20"' in content


def test_check_in_offers_the_sites_queues(counter, site):
    ServiceQueue.objects.create(site=site, letter="B", name="E-legitimation")
    response = counter.get(url("check_in", site))
    content = response.content.decode()
    assert 'name="letter" value="A"' in content and 'name="letter" value="B"' in content
    counter.post(url("check_in", site), {"letter": "B"})
    assert QueueTicket.objects.get().number == "B001"


def test_the_ticket_number_is_shown_once(counter, site):
    counter.post(url("check_in", site))
    assert counter.get(url("check_in", site)).context["issued"] is not None
    assert counter.get(url("check_in", site)).context["issued"] is None


def test_call_next_calls_to_the_desk_and_remembers_it(counter, site):
    issue(site, 2)
    response = counter.post(url("call_next", site), {"desk": "4"}, follow=True)
    assert QueueTicket.objects.get(number="A001").desk == "4"
    assert response.context["desk"] == "4"
    assert 'id="desk" name="desk" value="4"' in response.content.decode()


def test_call_next_without_a_desk_says_so_and_calls_nobody(counter, site):
    issue(site)
    response = counter.post(url("call_next", site), {"desk": ""}, follow=True)
    assert response.status_code == 200
    assert messages_of(response) and QueueTicket.objects.get().status == S.WAITING


def test_call_next_says_when_nobody_waits(counter, site):
    response = counter.post(url("call_next", site), {"desk": "1"}, follow=True)
    assert messages_of(response) == ["Ingen väntar."]


def test_the_panels_buttons_move_a_ticket_along(counter, site):
    ticket = called(site, "1")
    for action, status in [("start", S.SERVING), ("finish", S.FINISHED)]:
        response = act(counter, site, ticket, action)
        assert response.status_code == 302 and response["Location"] == url("panel", site)
        ticket.refresh_from_db()
        assert ticket.status == status


def test_a_transfer_posts_the_new_desk(counter, site):
    ticket = serving(site, "1")
    act(counter, site, ticket, "transfer", desk="2")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.desk) == (S.CALLED, "2")


def test_a_refused_move_says_why_and_changes_nothing(counter, site):
    ticket = issue(site)[0]
    response = act(counter, site, ticket, "finish", follow=True)
    assert "A001" in messages_of(response)[0]
    assert QueueTicket.objects.get().status == S.WAITING


def test_the_panel_lists_the_waiting_and_the_called(counter, site):
    called(site, "1")
    issue(site, 2)
    response = counter.get(url("panel", site))
    assert [t.number for t in response.context["at_desks"]] == ["A001"]
    assert [t.number for t in response.context["waiting"]] == ["A002", "A003"]


def test_the_panels_live_part_comes_alone_when_its_script_asks(counter, site):
    issue(site)
    response = counter.get(url("panel", site), headers={"X-Requested-With": "fetch"})
    content = response.content.decode()
    assert 'data-ticket="A001"' in content and "<html" not in content


def test_the_panel_takes_the_same_queries_however_many_wait(counter, site):
    called(site, "1")
    issue(site, 2)
    with CaptureQueriesContext(connection) as few:
        counter.get(url("panel", site))
    for desk in "23456":
        called(site, desk)
    issue(site, 20, service=EService.objects.get(code="eid.bankid"))
    with CaptureQueriesContext(connection) as many:
        response = counter.get(url("panel", site))
    assert len(response.context["waiting"]) == 22
    assert len(many) == len(few)


def test_the_panels_query_count_is_bounded(counter, site, django_assert_max_num_queries):
    for desk in "123":
        called(site, desk)
    issue(site, 30)
    # Six for the queue, one for today's bookings.
    with django_assert_max_num_queries(7):
        counter.get(url("panel", site))


def test_the_display_needs_no_login_and_shows_the_latest_call(client, site):
    called(site, "1")
    called(site, "2")
    response = client.get(url("display", site))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<span class="display-number" id="latest-number">A002</span>' in content


def test_the_display_of_a_site_no_longer_active_is_not_found(client, site):
    site.is_active = False
    site.save()
    assert client.get(url("display", site)).status_code == 404


def test_the_panel_is_in_english_when_chosen(counter, site, settings):
    counter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = counter.get(url("panel", site)).content.decode()
    assert "Call next" in content and "Nobody is waiting." in content
