import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.appointment_services import appointment_contacts_purge
from helpdesk.services import case_contacts_purge
from visits.services import visit_notes_purge

logger = logging.getLogger("servicecenter.purge")


class Command(BaseCommand):
    help = (
        "Clear personal data past its retention period: visit notes after "
        "VISIT_NOTE_RETENTION_DAYS, follow-up cases' contact details "
        "CASE_CONTACT_RETENTION_DAYS after the case was closed, and a booking's as long after "
        "its time. Statistics do not change. "
        "Safe to run as often as you like (for example nightly)."
    )

    def handle(self, *args, **options) -> None:
        note_days = settings.VISIT_NOTE_RETENTION_DAYS
        contact_days = settings.CASE_CONTACT_RETENTION_DAYS
        for message in (
            f"Cleared the notes of {visit_notes_purge(older_than_days=note_days)} visits "
            f"older than {note_days} days.",
            "Cleared the contact details of "
            f"{case_contacts_purge(closed_days_ago=contact_days)} follow-up cases closed more "
            f"than {contact_days} days ago.",
            "Cleared the contact details of "
            f"{appointment_contacts_purge(ended_days_ago=contact_days)} bookings that ended "
            f"more than {contact_days} days ago.",
        ):
            logger.info(message)
            self.stdout.write(message)
