from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import account_create


class Command(BaseCommand):
    help = "Create an account with its owner user and print the account id."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--parent", help="Id of the agency account this one is a sub-account of.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. America/New_York.")

    def handle(self, *args, **options) -> None:
        parent = None
        if options["parent"]:
            try:
                parent = Account.objects.get(pk=options["parent"])
            except (Account.DoesNotExist, ValidationError, ValueError):
                raise CommandError(f"No account with id {options['parent']!r}.") from None
        try:
            account = account_create(
                name=options["name"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                parent=parent,
                timezone=options["timezone"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(str(account.id))
