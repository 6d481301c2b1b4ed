"""Appointments' workflows (SPEC §6): nobody is booked twice at once, a refused booking saves
nothing, a cancelled time can be booked again, the visit of a visitor who came is linked,
and a booking holds personal data only as a case does (SPEC §3)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry
from helpdesk.appointment_services import (
    appointment_arrive,
    appointment_cancel,
    appointment_contacts_purge,
    appointment_move,
    appointment_no_show,
)
from helpdesk.lifecycle import AppointmentStatus
from helpdesk.models import Appointment
from helpdesk.services import ContactDetails
from organisations.models import Membership
from tests.factories import SiteFactory, log_visit, member
from tests.helpdesk.appointment_helpers import DAY, EARLY, at, book, colleague
from visits.services import visit_delete

pytestmark = pytest.mark.django_db

S = AppointmentStatus
PERSONAL_IDENTITY_NUMBER = "19811218-9876"  # valid check digit


def refusal(work) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        work()
    return refused.value.message_dict


def test_a_booking_over_another_of_the_same_staff_member_is_refused_naming_its_time(site, staff):
    book(site, staff, at(10), minutes=30)
    errors = refusal(lambda: book(site, staff, at(10, 15), minutes=30))
    # Who, and the other booking's time and day (the wording is the catalogue's).
    [message] = errors["starts_at"]
    assert "Anna" in message and "10:00–10:30" in message and "16 mars" in message


def test_a_refused_booking_saves_nothing(site, staff):
    book(site, staff, at(10))
    entries = AuditEntry.objects.count()
    refusal(lambda: book(site, staff, at(9, 45), minutes=60))
    assert Appointment.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_back_to_back_bookings_are_allowed(site, staff):
    book(site, staff, at(10), minutes=30)
    book(site, staff, at(10, 30), minutes=30)
    book(site, staff, at(9, 30), minutes=30)
    assert Appointment.objects.filter(status=S.BOOKED).count() == 3


def test_the_same_time_with_another_staff_member_is_allowed(site, staff):
    book(site, staff, at(10))
    book(site, colleague(site), at(10))
    assert Appointment.objects.count() == 2


def test_a_cancelled_booking_frees_its_time(site, staff):
    first = book(site, staff, at(10))
    appointment_cancel(appointment=first, cancelled_by=staff)
    second = book(site, staff, at(10))
    assert second.status == S.BOOKED
    first.refresh_from_db()
    assert first.status == S.CANCELLED


def test_a_cancelled_booking_cannot_be_cancelled_again(site, staff):
    appointment = appointment_cancel(appointment=book(site, staff, at(10)), cancelled_by=staff)
    with pytest.raises(ValidationError):
        appointment_cancel(appointment=appointment, cancelled_by=staff)


def test_a_booking_cannot_be_moved_onto_another(site, staff):
    book(site, staff, at(10))
    later = book(site, staff, at(11))
    errors = refusal(
        lambda: appointment_move(
            appointment=later, starts_at=at(10, 15), ends_at=at(10, 45), moved_by=staff, now=EARLY
        )
    )
    assert "10:00–10:30" in errors["starts_at"][0]
    later.refresh_from_db()
    assert later.starts_at == at(11)


def test_a_booking_can_be_moved_over_its_own_time_and_to_a_colleague(site, staff):
    appointment = book(site, staff, at(10))
    moved = appointment_move(
        appointment=appointment, starts_at=at(10, 15), ends_at=at(10, 45), moved_by=staff, now=EARLY
    )
    assert moved.starts_at == at(10, 15)
    other = colleague(site)
    moved = appointment_move(
        appointment=moved,
        starts_at=at(10),
        ends_at=at(10, 30),
        staff=other,
        moved_by=staff,
        now=EARLY,
    )
    assert moved.staff == other


def test_a_time_already_past_cannot_be_booked(site, staff):
    errors = refusal(lambda: book(site, staff, at(9), now=at(9, 1)))
    assert list(errors) == ["starts_at"]


def test_the_minute_under_way_can_still_be_booked(site, staff):
    assert book(site, staff, at(9), now=at(9) + datetime.timedelta(seconds=40)).pk


@pytest.mark.parametrize(("minutes", "limit"), [(0, ""), (-30, ""), (3, "5"), (241, "240")])
def test_a_booking_of_the_wrong_length_is_refused_on_its_end(site, staff, minutes, limit):
    errors = refusal(lambda: book(site, staff, at(10), minutes=minutes))
    assert list(errors) == ["ends_at"]
    assert limit in errors["ends_at"][0]


def test_a_booking_cannot_run_into_the_next_day(site, staff):
    errors = refusal(lambda: book(site, staff, at(23, 30), minutes=60))
    assert list(errors) == ["ends_at"]


def test_a_booking_may_end_at_midnight(site, staff):
    assert book(site, staff, at(23, 30), minutes=30).pk


def test_only_the_sites_counter_staff_can_be_booked(site, staff):
    elsewhere = member(Membership.Role.STAFF, site=SiteFactory(code="storuman"))
    analyst = member(Membership.Role.ANALYST, organisation=site.organisation)
    for person in (elsewhere, analyst):
        errors = refusal(lambda person=person: book(site, person, at(10)))
        assert list(errors) == ["staff"]


def test_an_inactive_site_takes_no_bookings(site, staff):
    site.is_active = False
    site.save()
    errors = refusal(lambda: book(site, staff, at(10)))
    assert "site" in errors


def test_a_personal_identity_number_in_the_purpose_is_refused(site, staff):
    errors = refusal(
        lambda: book(site, staff, at(10), purpose=f"Deklaration {PERSONAL_IDENTITY_NUMBER}")
    )
    assert list(errors) == ["purpose"]
    assert not Appointment.objects.exists()


def test_contact_details_without_consent_are_refused(site, staff):
    contact = ContactDetails(consent=False, name="Karin", phone="070-123 45 67")
    errors = refusal(lambda: book(site, staff, at(10), contact=contact))
    assert list(errors) == ["contact_consent"]
    assert not Appointment.objects.exists()


def test_contact_details_with_consent_are_kept_with_the_time_of_consent(site, staff):
    contact = ContactDetails(consent=True, name="Karin", phone="070-123 45 67")
    appointment = book(site, staff, at(10), contact=contact, now=EARLY)
    assert (appointment.contact_name, appointment.contact_consent_at) == ("Karin", EARLY)


def test_the_table_refuses_contact_details_without_consent(site, staff):
    appointment = book(site, staff, at(10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(contact_name="Karin")


def test_a_booking_and_its_changes_are_in_the_audit_history(site, staff):
    appointment = book(site, staff, at(10))
    appointment_cancel(appointment=appointment, cancelled_by=staff)
    entries = AuditEntry.objects.filter(object_id=str(appointment.pk)).order_by("pk")
    assert [entry.action for entry in entries] == ["create", "update"]
    assert entries[1].changes == {"status": ["booked", "cancelled"]}
    assert entries[1].actor == staff


def test_arriving_links_the_visit_and_marks_the_booking_come(site, staff):
    appointment = book(site, staff, at(10))
    visit = log_visit(site, staff=staff)
    appointment = appointment_arrive(appointment=appointment, visit=visit, actor=staff)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.visit) == (S.ARRIVED, visit)


def test_a_cancelled_booking_cannot_arrive(site, staff):
    appointment = appointment_cancel(appointment=book(site, staff, at(10)), cancelled_by=staff)
    with pytest.raises(ValidationError):
        appointment_arrive(appointment=appointment, visit=log_visit(site), actor=staff)
    appointment.refresh_from_db()
    assert appointment.visit is None


def test_a_visit_of_another_site_cannot_be_linked(site, staff):
    appointment = book(site, staff, at(10))
    with pytest.raises(ValidationError):
        appointment_arrive(appointment=appointment, visit=log_visit(SiteFactory()), actor=staff)


def test_one_visit_answers_one_booking(site, staff):
    visit = log_visit(site)
    appointment_arrive(appointment=book(site, staff, at(10)), visit=visit)
    with pytest.raises(ValidationError):
        appointment_arrive(appointment=book(site, staff, at(11)), visit=visit)


def test_a_booking_whose_visit_was_undone_takes_the_visit_logged_again(site, staff):
    appointment = book(site, staff, at(10))
    appointment = appointment_arrive(appointment=appointment, visit=log_visit(site))
    visit_delete(visit=appointment.visit, deleted_by=staff)  # the quick log's undo
    again = log_visit(site)
    appointment.refresh_from_db()
    assert appointment.awaits_visit
    assert appointment_arrive(appointment=appointment, visit=again).visit == again


def test_a_visitor_can_be_marked_as_not_come_only_once_the_time_has_begun(site, staff):
    appointment = book(site, staff, at(10))
    with pytest.raises(ValidationError):
        appointment_no_show(appointment=appointment, marked_by=staff, now=at(9, 59))
    marked = appointment_no_show(appointment=appointment, marked_by=staff, now=at(10, 5))
    assert marked.status == S.NO_SHOW


def test_a_no_show_frees_the_rest_of_the_time(site, staff):
    appointment = book(site, staff, at(10), minutes=60)
    appointment_no_show(appointment=appointment, marked_by=staff, now=at(10, 15))
    assert book(site, staff, at(10, 30), now=at(10, 15)).pk


def test_contact_details_are_cleared_some_days_after_the_booking_and_from_its_history(site, staff):
    contact = ContactDetails(consent=True, name="Karin", email="karin@example.se")
    old = book(site, staff, at(10), contact=contact)
    recent = book(site, staff, at(10, day=DAY + datetime.timedelta(days=20)), contact=contact)
    cleared = appointment_contacts_purge(
        ended_days_ago=10, now=at(10, day=DAY + datetime.timedelta(days=15))
    )
    assert cleared == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.contact_name, old.contact_email, recent.contact_name) == ("", "", "Karin")
    history = AuditEntry.objects.get(object_id=str(old.pk), action="create").changes
    assert history["contact_name"] == [None, ""]
    assert (
        appointment_contacts_purge(
            ended_days_ago=10, now=at(10, day=DAY + datetime.timedelta(days=15))
        )
        == 0
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's only"
)
def test_the_database_refuses_an_overlap_written_past_the_workflows(site, staff):
    existing = book(site, staff, at(10))
    with pytest.raises(IntegrityError, match="appointment_no_double_booking"), transaction.atomic():
        Appointment.objects.create(site=site, staff=staff, starts_at=at(10, 15), ends_at=at(10, 45))
    # Back to back, another staff member, or over a cancelled booking: allowed.
    Appointment.objects.create(site=site, staff=staff, starts_at=at(10, 30), ends_at=at(11))
    Appointment.objects.create(
        site=site, staff=colleague(site), starts_at=at(10), ends_at=at(10, 30)
    )
    appointment_cancel(appointment=existing, cancelled_by=staff)
    Appointment.objects.create(site=site, staff=staff, starts_at=at(10), ends_at=at(10, 30))
