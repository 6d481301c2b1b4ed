from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.services import api_key_create
from organisations.models import Organisation


class Command(BaseCommand):
    help = "Create an API key for an organisation. The key is printed once, as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "organisation", help="The organisation's code, for example lycksele-bibliotek"
        )
        parser.add_argument("--name", default="API", help="What the key is for.")

    def handle(self, *args, organisation: str, name: str, **options) -> None:
        try:
            owner = Organisation.objects.get(code=organisation)
        except Organisation.DoesNotExist as error:
            raise CommandError(f"No organisation with the code {organisation!r}.") from error
        api_key, key = api_key_create(organisation=owner, name=name)
        self.stdout.write(
            f"Created API key {api_key.prefix} for {owner.name}. "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(key)
