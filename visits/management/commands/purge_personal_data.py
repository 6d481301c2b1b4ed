import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from visits.services import visit_notes_purge

logger = logging.getLogger("servicecenter.purge")


class Command(BaseCommand):
    help = (
        "Clear personal data past its retention period: visit notes after "
        "VISIT_NOTE_RETENTION_DAYS. Safe to run as often as you like (for example nightly)."
    )

    def handle(self, *args, **options) -> None:
        days = settings.VISIT_NOTE_RETENTION_DAYS
        cleared = visit_notes_purge(older_than_days=days)
        message = f"Cleared the notes of {cleared} visits older than {days} days."
        logger.info(message)
        self.stdout.write(message)
