"""Nobody is booked twice, even when staff book the same time at the same moment: ten
threads, one barrier. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from helpdesk.lifecycle import AppointmentStatus
from helpdesk.models import Appointment
from tests.helpdesk.appointment_helpers import at, book
from tests.helpdesk.test_queue_concurrency import together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BOOKINGS = 10


def test_ten_bookings_of_the_same_time_at_once_give_exactly_one(site, staff):
    booked, errors = together(BOOKINGS, lambda index: book(site, staff, at(10), minutes=30))
    assert len(booked) == 1
    assert len(errors) == BOOKINGS - 1
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert all("10:00–10:30" in error.message_dict["starts_at"][0] for error in errors)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_ten_bookings_of_overlapping_times_at_once_give_exactly_one(site, staff):
    # Half an hour from 10:00, 10:02, … 10:18: each overlaps every other.
    starts = [at(10, 2 * index) for index in range(BOOKINGS)]
    booked, errors = together(BOOKINGS, lambda index: book(site, staff, starts[index]))
    assert len(booked) == 1 and len(errors) == BOOKINGS - 1
    assert all(isinstance(error, ValidationError) for error in errors), errors


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's only"
)
def test_a_booking_racing_a_write_past_the_workflow_is_refused_by_the_database_in_words(
    site, staff
):
    """A writer that takes no lock (the admin, a script) inserts an overlapping booking and
    commits only after the workflow has checked and is inserting its own: the exclusion
    constraint refuses the workflow's row, which comes back as the workflow's own refusal
    naming the other booking, not as a server error."""
    inserted, release = threading.Event(), threading.Event()

    def write_past_the_workflow() -> None:
        try:
            with transaction.atomic():
                Appointment.objects.create(
                    site=site, staff=staff, starts_at=at(10, 15), ends_at=at(10, 45)
                )
                inserted.set()
                # Committed once the workflow waits on this row (PostgreSQL makes its insert
                # wait for this transaction), or after the timeout at the latest.
                release.wait(timeout=2)
        finally:
            connection.close()

    writer = threading.Thread(target=write_past_the_workflow)
    writer.start()
    assert inserted.wait(timeout=10)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    try:
        with pytest.raises(ValidationError) as refused:
            book(site, staff, at(10), minutes=30)
    finally:
        release.set()
        writer.join(timeout=10)
        timer.cancel()
    assert "10:15–10:45" in refused.value.message_dict["starts_at"][0]
    assert Appointment.objects.count() == 1
