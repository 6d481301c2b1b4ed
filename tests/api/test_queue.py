"""The queue endpoints (SPEC §5): a site's counter staff or its organisation's key checks a
visitor in and calls the next; 204 when nobody waits; another organisation's site is a 404."""

import pytest

from helpdesk.models import QueueTicket
from tests.api.conftest import client_for
from tests.helpdesk.queue_helpers import issue

pytestmark = pytest.mark.django_db


def check_in_url(site) -> str:
    return f"/api/v1/sites/{site.code}/queue/"


def call_next_url(site) -> str:
    return f"/api/v1/sites/{site.code}/queue/call-next/"


def test_checking_in_answers_the_ticket_and_the_wait_before_it(api, library_site):
    issue(library_site, 2)
    answer = api.post(check_in_url(library_site), {}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert (body["number"], body["status"], body["ahead"]) == ("A003", "waiting", 2)
    assert body["estimated_wait_min"] > 0


def test_call_next_answers_the_longest_waiting_ticket_at_the_desk(api, library_site):
    issue(library_site, 2)
    answer = api.post(call_next_url(library_site), {"desk": "2"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["number"], answer.json()["desk"]) == ("A001", "2")
    assert QueueTicket.objects.get(number="A001").status == "called"


def test_call_next_on_an_empty_queue_is_204_with_no_body(api, library_site):
    answer = api.post(call_next_url(library_site), {"desk": "2"}, format="json")
    assert answer.status_code == 204
    assert answer.content == b""


def test_call_next_without_a_desk_is_refused_and_calls_nobody(api, library_site):
    issue(library_site, 1)
    answer = api.post(call_next_url(library_site), {"desk": " "}, format="json")
    assert answer.status_code == 400
    assert "desk" in answer.json()
    assert QueueTicket.objects.get().status == "waiting"


def test_another_organisations_queue_is_not_found(api, region_site):
    issue(region_site, 1)
    assert api.post(check_in_url(region_site), {}, format="json").status_code == 404
    assert api.post(call_next_url(region_site), {"desk": "1"}, format="json").status_code == 404
    assert QueueTicket.objects.get().status == "waiting"


def test_an_unknown_queue_letter_is_refused(api, library_site):
    answer = api.post(check_in_url(library_site), {"letter": "B"}, format="json")
    assert answer.status_code == 400
    assert not QueueTicket.objects.exists()


def test_counter_staff_use_the_queue_with_their_session(client, staff, site):
    client.force_login(staff)
    answer = client.post(check_in_url(site), {}, content_type="application/json")
    assert answer.status_code == 201


def test_the_region_key_works_its_own_sites_queue(region_site):
    issue(region_site, 1)
    answer = client_for(region_site.organisation).post(
        call_next_url(region_site), {"desk": "1"}, format="json"
    )
    assert answer.json()["number"] == "A001"
