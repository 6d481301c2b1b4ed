from django.core.management.base import BaseCommand, CommandError

from indicators.rollups import rollup_differences
from servicecenter.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Compare the statistics rollups with the visit tables and list where they differ. "
        "Exits with an error when they do; `rollup_rebuild` repairs them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", action="append", type=int, dest="site_ids", help="Only this site id."
        )
        parser.add_argument(
            "--limit", type=int, default=20, help="Show at most this many differences (0: all)."
        )

    def handle(self, *args, site_ids: list[int] | None, limit: int, **options) -> None:
        progress = ProgressBar(self.stdout, what="months") if options["verbosity"] > 1 else None
        differences = rollup_differences(site_ids=site_ids, limit=limit, progress=progress)
        for line in differences:
            self.stdout.write(line)
        if differences:
            raise CommandError(
                f"The rollups differ from the visit tables ({len(differences)} shown); "
                "run `manage.py rollup_rebuild` to repair them."
            )
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS("The rollups match the visit tables."))
