import time

from django.core.management.base import BaseCommand

from indicators.rollups import rollup_rebuild
from servicecenter.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Rebuild the statistics rollups from the visit tables: after loading visits past the "
        "application (for example with COPY), or to repair them. Statistics stay readable "
        "meanwhile; writes of visits wait until it is done."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", action="append", type=int, dest="site_ids", help="Only this site id."
        )

    def handle(self, *args, site_ids: list[int] | None, verbosity: int, **options) -> None:
        started = time.monotonic()
        progress = ProgressBar(self.stdout, what="months") if verbosity else None
        rollup_rebuild(site_ids=site_ids, progress=progress)
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Rollups rebuilt in {seconds:.1f} s."))
