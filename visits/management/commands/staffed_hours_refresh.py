import logging

from django.core.management.base import BaseCommand
from django.utils import timezone

from organisations.models import Site
from visits.models import StaffingPattern
from visits.services import staffed_hours_refresh, staffing_horizon

logger = logging.getLogger("servicecenter.staffing")


class Command(BaseCommand):
    help = (
        "Write every site's staffed hours from today to the end of next year from its regular "
        "week, public holidays and exceptions. Safe to run as often as you like; run it at "
        "least once a year (for example nightly), so that a new year has its hours."
    )

    def handle(self, *args, **options) -> None:
        today, horizon = timezone.localdate(), staffing_horizon()
        sites = Site.objects.filter(pk__in=StaffingPattern.objects.values("site")).order_by("code")
        for site in sites:
            written = staffed_hours_refresh(site=site, date_from=today, date_to=horizon)
            message = f"{site.code}: staffed hours written for {written} days to {horizon}."
            logger.info(message)
            self.stdout.write(message)
