"""The bookings pages, the day's bookings on the queue panel, and the quick log opened for a
booked visitor who came: for the site's counter staff only (404 for anybody else), every
change through the workflows."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk.lifecycle import AppointmentStatus
from helpdesk.models import Appointment
from organisations.models import Membership
from tests.factories import SiteFactory, StaffingPatternFactory, member
from tests.helpdesk.appointment_helpers import at, book, colleague
from visits.models import EService, Visit

pytestmark = pytest.mark.django_db

S = AppointmentStatus
# A day ahead, so that every time of it can still be booked through the pages (which book
# at the real time); and its weekday's opening hours, 09:00–16:00.
AHEAD = timezone.localdate() + datetime.timedelta(days=7)


def later(hour: int, minute: int = 0) -> datetime.datetime:
    return at(hour, minute, day=AHEAD)


@pytest.fixture
def counter(client, staff):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def open_ahead(site):
    return StaffingPatternFactory(site=site, weekday=AHEAD.weekday())


def day_url(site, day: datetime.date = AHEAD) -> str:
    return f"{reverse('appointments:day', args=[site.code])}?dag={day.isoformat()}"


def booking_form(staff, start: str = "10:00", end: str = "10:30", **fields) -> dict:
    return {
        "staff": staff.pk,
        "day": AHEAD.isoformat(),
        "starts_at": start,
        "ends_at": end,
        "service": "",
        "purpose": "",
        **fields,
    }


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_day_shows_each_staff_members_bookings_and_free_times(counter, site, staff, open_ahead):
    other = colleague(site, first_name="Bertil")
    book(site, staff, later(10), purpose="Deklarationen")
    page = counter.get(day_url(site)).content.decode()
    assert "Anna" in page and "Bertil" in page
    assert "Deklarationen" in page
    # 09:00–16:00 in half hours: 14 for Bertil, 13 for Anna (10:00 is booked).
    assert page.count('class="free-slot"') == 27
    assert f"servicevard={other.pk}&amp;tid=10:00" in page
    assert f"servicevard={staff.pk}&amp;tid=10:00" not in page


def test_the_day_links_the_previous_and_the_next_day(counter, site):
    page = counter.get(day_url(site)).content.decode()
    assert f"dag={(AHEAD - datetime.timedelta(days=1)).isoformat()}" in page
    assert f"dag={(AHEAD + datetime.timedelta(days=1)).isoformat()}" in page


def test_an_unreadable_day_shows_today(counter, site):
    response = counter.get(reverse("appointments:day", args=[site.code]), {"dag": "igår"})
    assert response.context["day"] == timezone.localdate()


def test_a_free_time_chosen_fills_in_the_form(counter, site, staff, open_ahead):
    response = counter.get(day_url(site) + f"&servicevard={staff.pk}&tid=13:30")
    form = response.context["form"]
    assert (form["starts_at"].value(), form["ends_at"].value()) == (
        datetime.time(13, 30),
        datetime.time(14, 0),
    )
    assert str(form["staff"].value()) == str(staff.pk)


def test_a_time_is_booked_through_the_form(counter, site, staff):
    response = counter.post(
        reverse("appointments:day", args=[site.code]),
        booking_form(staff, service="eid.bankid", purpose="Mobilt BankID"),
    )
    assert response.status_code == 302 and response["Location"] == day_url(site)
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.service_id) == (later(10), "eid.bankid")
    assert appointment.created_by == staff


def test_a_booking_over_another_is_refused_with_a_clear_message_and_nothing_saved(
    counter, site, staff
):
    book(site, staff, later(10))
    response = counter.post(
        reverse("appointments:day", args=[site.code]), booking_form(staff, "10:15", "10:45")
    )
    assert response.status_code == 400
    assert "10:00–10:30" in str(response.context["form"].errors["starts_at"])
    assert 'id="error-summary"' in response.content.decode()
    assert Appointment.objects.count() == 1


def test_contact_details_without_consent_are_refused_on_the_form(counter, site, staff):
    response = counter.post(
        reverse("appointments:day", args=[site.code]),
        booking_form(staff, contact_name="Karin", contact_phone="070-123 45 67"),
    )
    assert response.status_code == 400
    assert "contact_consent" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_a_personal_identity_number_in_the_purpose_is_refused_on_the_form(counter, site, staff):
    response = counter.post(
        reverse("appointments:day", args=[site.code]),
        booking_form(staff, purpose="Gäller 19811218-9876"),
    )
    assert response.status_code == 400
    assert "purpose" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_the_day_needs_the_same_number_of_queries_for_more_bookings(
    counter, site, staff, open_ahead
):
    other = colleague(site)
    book(site, staff, later(9))
    first = queries_of(counter, day_url(site))
    for hour in range(10, 15):
        book(site, staff, later(hour))
        book(site, other, later(hour, 30))
    assert queries_of(counter, day_url(site)) == first


def test_a_booking_is_moved_on_its_page(counter, site, staff):
    appointment = book(site, staff, later(10))
    response = counter.post(
        appointment.get_absolute_url(),
        {"staff": staff.pk, "day": AHEAD.isoformat(), "starts_at": "11:00", "ends_at": "11:45"},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.ends_at) == (later(11), later(11, 45))


def test_a_booking_is_cancelled_on_its_page(counter, site, staff):
    appointment = book(site, staff, later(10))
    url = reverse("appointments:act", args=[site.code, appointment.pk])
    response = counter.post(url, {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED


def test_an_unknown_action_is_not_found(counter, site, staff):
    appointment = book(site, staff, later(10))
    url = reverse("appointments:act", args=[site.code, appointment.pk])
    assert counter.post(url, {"action": "delete"}).status_code == 404


def test_staff_of_another_site_get_404_everywhere(client, site, staff):
    appointment = book(site, staff, later(10))
    client.force_login(member(Membership.Role.STAFF, site=SiteFactory(code="storuman")))
    act = reverse("appointments:act", args=[site.code, appointment.pk])
    assert client.get(day_url(site)).status_code == 404
    assert client.post(day_url(site), booking_form(staff)).status_code == 404
    assert client.get(appointment.get_absolute_url()).status_code == 404
    assert client.post(act, {"action": "cancel"}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == S.BOOKED


def test_a_booking_is_not_found_through_another_site_of_ones_own(client, site, staff):
    appointment = book(site, staff, later(10))
    second = SiteFactory(code="storuman", organisation=site.organisation)
    client.force_login(member(Membership.Role.STAFF, organisation=site.organisation))
    url = reverse("appointments:detail", args=[second.code, appointment.pk])
    assert client.get(url).status_code == 404


def test_analysts_see_no_bookings(client, site, staff):
    appointment = book(site, staff, later(10))
    client.force_login(member(Membership.Role.ANALYST, organisation=site.organisation))
    assert client.get(day_url(site)).status_code == 404
    assert client.get(appointment.get_absolute_url()).status_code == 404


def test_the_bookings_ask_for_a_login(client, site):
    response = client.get(day_url(site))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The queue panel and the quick log --------------------------------------------------------


@pytest.fixture
def todays(site, staff):
    """A booking of today at 10:00 (made at midnight, whatever the time now), about BankID."""
    today = timezone.localdate()
    return book(
        site,
        staff,
        at(10, day=today),
        service=EService.objects.get(code="eid.bankid"),
        now=at(0, day=today),
    )


def test_the_queue_panel_lists_todays_bookings_with_came_log_the_visit(counter, site, todays):
    page = counter.get(reverse("queue:panel", args=[site.code])).content.decode()
    assert f'href="{reverse("visits:quick_log", args=[site.code])}?bokning={todays.pk}"' in page
    assert todays.get_absolute_url() in page


def test_the_quick_log_opens_for_the_booking_with_its_channel_and_e_service(counter, site, todays):
    response = counter.get(reverse("visits:quick_log", args=[site.code]), {"bokning": todays.pk})
    assert response.context["appointment"] == todays
    assert response.context["form"]["channel"].value() == "booked"
    assert response.context["selected_service"] == "eid.bankid"
    assert f'name="appointment" value="{todays.pk}"' in response.content.decode()


def test_the_quick_log_ignores_a_booking_of_another_site(client, site, todays):
    elsewhere = SiteFactory(code="storuman", organisation=site.organisation)
    client.force_login(member(Membership.Role.STAFF, site=elsewhere))
    response = client.get(
        reverse("visits:quick_log", args=[elsewhere.code]), {"bokning": todays.pk}
    )
    assert response.context["appointment"] is None


def quick_log_post(appointment) -> dict:
    return {
        "appointment": appointment.pk,
        "help-0-service": "eid.bankid",
        "help-0-mode": "taught",
        "help-0-outcome": "resolved",
        "age_band": "75+",
        "channel": "booked",
        "language": "sv",
        "gender": "unstated",
        "duration_min": "30",
        "participants": "1",
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


def test_saving_the_visit_links_it_to_the_booking(counter, site, todays):
    response = counter.post(reverse("visits:quick_log", args=[site.code]), quick_log_post(todays))
    assert response.status_code == 302
    visit = Visit.objects.get()
    todays.refresh_from_db()
    assert (todays.status, todays.visit, visit.channel_id) == (S.ARRIVED, visit, "booked")


def test_a_booking_cancelled_meanwhile_leaves_the_visit_saved_and_says_so(
    counter, site, staff, todays
):
    Appointment.objects.filter(pk=todays.pk).update(status=S.CANCELLED)
    response = counter.post(
        reverse("visits:quick_log", args=[site.code]), quick_log_post(todays), follow=True
    )
    assert Visit.objects.count() == 1
    assert any("not linked" in str(message) for message in response.context["messages"])
    todays.refresh_from_db()
    assert todays.visit is None


def test_a_visitor_who_did_not_come_is_marked_from_the_panel(counter, site, staff):
    today = timezone.localdate()
    started = book(site, staff, at(0, day=today), now=at(0, day=today))
    panel = reverse("queue:panel", args=[site.code])
    url = reverse("appointments:act", args=[site.code, started.pk])
    response = counter.post(url, {"action": "no_show", "next": panel})
    assert response.status_code == 302 and response["Location"] == panel
    started.refresh_from_db()
    assert started.status == S.NO_SHOW


def test_the_queue_panel_needs_the_same_number_of_queries_for_more_bookings(counter, site, staff):
    today = timezone.localdate()
    panel = reverse("queue:panel", args=[site.code])
    book(site, staff, at(8, day=today), now=at(0, day=today))
    first = queries_of(counter, panel)
    other = colleague(site)
    for hour in range(9, 14):
        book(site, other, at(hour, day=today), now=at(0, day=today))
    assert queries_of(counter, panel) == first
