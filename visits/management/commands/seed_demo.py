from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.demo import helpdesk_demo_seed
from visits.demo import DEFAULT_SEED, DEFAULT_VISITS, DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = (
        "Fill a development database with demo sites, logins, about 18 months of visits, a "
        "month of the waiting queue and follow-up cases. Replaces all of these at the demo "
        "sites; running it twice on one day gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--visits",
            type=int,
            default=DEFAULT_VISITS,
            help=f"How many visits to create (default {DEFAULT_VISITS}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Seed for the random generator; another seed gives other, equally valid data.",
        )

    def handle(self, *args, visits: int, seed: int, verbosity: int, **options) -> None:
        # The demo logins share a published password: never on a server that others can reach.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=true: it creates logins with a known password."
            )
        if visits < 0:
            raise CommandError("--visits cannot be negative.")

        def progress(line: str) -> None:
            if verbosity >= 1:
                self.stdout.write(line)

        summary = demo_seed(visits=visits, seed=seed, progress=progress)
        helpdesk = helpdesk_demo_seed(seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary.visits} visits, {summary.help_items} help items "
                f"at {summary.sites} sites; {helpdesk.tickets} queue tickets, "
                f"{helpdesk.cases} follow-up cases"
            )
        )
        self.stdout.write(
            f"Log in with password {DEMO_PASSWORD} as: {', '.join(summary.usernames)}"
        )
