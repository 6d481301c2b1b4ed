"""The follow-up case pages: list, board, case, forms; every case through the access rule,
every change through the workflows."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.models import Case, CaseComment
from helpdesk.services import case_transition, case_update
from organisations.models import Membership
from tests.factories import OrganisationFactory, SiteFactory, log_visit, member, open_case

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")
BOARD = reverse("cases:board")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def move(client, case, status, **extra):
    return client.post(reverse("cases:move", args=[case.number]), {"status": status}, **extra)


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_shows_the_sites_open_cases_but_not_another_organisations(staff_client, site):
    own = open_case(site, title="Ansökan om bostadsbidrag")
    other = open_case(SiteFactory(organisation=OrganisationFactory()), title="Annans ärende")
    page = staff_client.get(LIST).content.decode()
    assert own.number in page
    assert other.number not in page


def test_the_list_leaves_closed_cases_out_unless_asked_for(staff_client, site, staff):
    case = open_case(site)
    for status in ("open", "resolved", "closed"):
        case = case_transition(case=case, to_status=status, actor=staff)
    assert case.number not in staff_client.get(LIST).content.decode()
    assert case.number in staff_client.get(LIST, {"status": "closed"}).content.decode()


def test_the_list_needs_the_same_number_of_queries_for_more_cases(staff_client, site, staff):
    open_case(site, assignee=staff)
    first = queries_of(staff_client, LIST)
    for _ in range(5):
        open_case(site, assignee=staff)
    assert queries_of(staff_client, LIST) == first


def test_my_cases_are_the_ones_assigned_to_me(staff_client, site, staff):
    mine = open_case(site, assignee=staff, title="Min uppföljning")
    nobodys = open_case(site, title="Ingens uppföljning")
    page = staff_client.get(LIST, {"assignee": "mine"}).content.decode()
    assert mine.number in page
    assert nobodys.number not in page


def test_an_overdue_case_is_highlighted_and_can_be_listed_alone(staff_client, site):
    late = open_case(site)
    Case.objects.filter(pk=late.pk).update(due_date=datetime.date(2020, 1, 1))
    on_time = open_case(site)
    page = staff_client.get(LIST, {"overdue": "true"}).content.decode()
    assert late.number in page and on_time.number not in page
    assert '<tr class="row-overdue' in page


def test_a_status_that_names_nothing_is_an_error_on_the_page(staff_client):
    page = staff_client.get(LIST, {"status": "lost"}).content.decode()
    assert "Choose among the statuses shown." in page


def test_the_csv_download_holds_the_listed_cases_safe_for_a_spreadsheet(staff_client, site):
    open_case(site, title="=HYPERLINK(1)")
    answer = staff_client.get(LIST, {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Number", "Title"]
    assert rows[0][-1] == "Overdue"
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert answer["X-Total-Rows"] == "1"


def test_the_board_shows_a_card_in_its_status_column_with_the_allowed_moves(staff_client, case):
    page = staff_client.get(BOARD).content.decode()
    column = page.split('data-status="new"')[1].split("</section>")[0]
    assert case.number in column
    assert '<option value="open">Open</option>' in column


def test_the_board_needs_the_same_number_of_queries_for_more_cases(staff_client, site, staff):
    open_case(site, assignee=staff)
    first = queries_of(staff_client, BOARD)
    for _ in range(5):
        open_case(site, assignee=staff)
    assert queries_of(staff_client, BOARD) == first


def test_moving_a_card_is_a_transition_through_the_lifecycle(staff_client, case):
    answer = move(staff_client, case, "open", HTTP_ACCEPT="application/json")
    assert answer.json()["status"] == "open"
    case.refresh_from_db()
    assert case.status == "open"


def test_a_move_the_lifecycle_refuses_is_a_conflict_and_changes_nothing(staff_client, case):
    answer = move(staff_client, case, "closed", HTTP_ACCEPT="application/json")
    assert answer.status_code == 409
    assert answer.json()["message"] == "A case that is “New” cannot become “Closed”."
    case.refresh_from_db()
    assert case.status == "new"


def test_a_refused_move_without_script_comes_back_with_the_message(staff_client, case):
    answer = move(staff_client, case, "closed", follow=True)
    assert "cannot become" in answer.content.decode()


def test_nobody_moves_or_reads_another_organisations_case(staff_client):
    other = open_case(SiteFactory(organisation=OrganisationFactory()))
    assert move(staff_client, other, "open").status_code == 404
    assert staff_client.get(other.get_absolute_url()).status_code == 404
    other.refresh_from_db()
    assert other.status == "new"


def test_an_analyst_does_not_see_case_pages(client, site):
    case = open_case(site)
    client.force_login(member(Membership.Role.ANALYST, organisation=site.organisation))
    assert client.get(case.get_absolute_url()).status_code == 404


def test_a_comment_is_added_and_shown(staff_client, case):
    url = reverse("cases:comment", args=[case.number])
    answer = staff_client.post(url, {"text": "Ringde Försäkringskassan"}, follow=True)
    assert "Ringde Försäkringskassan" in answer.content.decode()


def test_a_comment_with_a_personal_identity_number_is_refused_and_not_saved(staff_client, case):
    url = reverse("cases:comment", args=[case.number])
    answer = staff_client.post(url, {"text": "Personnummer 811218-9876"})
    assert answer.status_code == 400
    assert "personal identity number 811218-****" in answer.content.decode()
    assert not CaseComment.objects.exists()


def new_case_data(**overrides) -> dict:
    data = {
        "service": "skatteverket.declaration",
        "title": "Deklarationen behöver kompletteras",
        "description": "",
        "priority": "normal",
    }
    data.update(overrides)
    return data


def test_a_case_is_opened_on_its_own_from_the_form(staff_client, site):
    answer = staff_client.post(reverse("cases:new", args=[site.code]), new_case_data())
    case = Case.objects.get()
    assert answer.url == case.get_absolute_url()
    assert (case.site, case.service_id, case.status) == (site, "skatteverket.declaration", "new")


def test_contact_details_without_consent_are_refused_on_the_form(staff_client, site):
    data = new_case_data(contact_name="Karin", contact_phone="070-123 45 67")
    answer = staff_client.post(reverse("cases:new", args=[site.code]), data)
    assert answer.status_code == 400
    assert "Record the consent" in answer.content.decode()
    assert not Case.objects.exists()


def test_staff_cannot_open_a_case_at_a_site_they_do_not_work_at(staff_client):
    elsewhere = SiteFactory()
    assert staff_client.get(reverse("cases:new", args=[elsewhere.code])).status_code == 404


def test_one_tap_on_a_visit_opens_a_case_with_its_site_and_e_service(staff_client, site, staff):
    visit = log_visit(site, created_by=staff, staff=staff)
    answer = staff_client.post(reverse("cases:new_from_visit", args=[visit.pk]))
    case = Case.objects.get()
    assert answer.url == reverse("cases:edit", args=[case.number])
    assert (case.visit, case.site, case.service_id) == (visit, site, "1177.login")


def test_a_second_tap_on_the_same_visit_finds_the_open_case(staff_client, site, staff):
    visit = log_visit(site, created_by=staff, staff=staff)
    url = reverse("cases:new_from_visit", args=[visit.pk])
    staff_client.post(url)
    answer = staff_client.post(url)
    assert Case.objects.count() == 1
    assert answer.url == Case.objects.get().get_absolute_url()


def test_todays_list_offers_the_follow_up_button(staff_client, site, staff):
    visit = log_visit(site, created_by=staff, staff=staff)
    page = staff_client.get(reverse("visits:today", args=[site.code])).content.decode()
    assert reverse("cases:new_from_visit", args=[visit.pk]) in page


def test_editing_a_case_changes_it_and_the_history_shows_old_and_new(staff_client, case):
    url = reverse("cases:edit", args=[case.number])
    staff_client.post(url, new_case_data(title=case.title, priority="urgent"))
    page = staff_client.get(case.get_absolute_url()).content.decode()
    case.refresh_from_db()
    assert case.priority == "urgent"
    assert "<td>Priority</td><td>Normal</td><td>Urgent</td>" in page


def test_the_history_shows_status_changes_translated(client, site, staff, case):
    case_transition(case=case, to_status="open", actor=staff)
    client.force_login(staff)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "<td>Status</td><td>Ny</td><td>Öppen</td>" in page


def test_assign_to_me_makes_the_user_the_assignee(staff_client, staff, case):
    staff_client.post(reverse("cases:take", args=[case.number]))
    case.refresh_from_db()
    assert case.assignee == staff


def test_a_colleague_at_the_site_can_be_chosen_as_assignee(staff_client, site, case, staff):
    colleague = member(Membership.Role.STAFF, site=site, first_name="Bo")
    case_update(case=case, actor=staff, assignee=colleague)
    assert "Bo" in staff_client.get(case.get_absolute_url()).content.decode()
