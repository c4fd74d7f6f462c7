from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import UndecryptableData, reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEY. "
        "Set FIELD_ENCRYPTION_KEY=NEW,OLD first; afterwards OLD can be dropped."
    )

    def handle(self, *args, **options) -> None:
        try:
            result = reencrypt_all()
        except UndecryptableData as exc:
            raise CommandError(f"Nothing was changed: {exc}.") from None
        self.stdout.write(f"Re-encrypted {result.values} value(s) in {result.columns} column(s).")
