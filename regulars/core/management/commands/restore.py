from django.core.management.base import BaseCommand, CommandError

from regulars.core import backup


class Command(BaseCommand):
    help = "Replace everything in the database with a backup made by `regulars backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup file from `regulars backup`")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (scripts)"
        )

    def handle(self, *args, file, yes=False, **options):
        if not yes:
            answer = input(
                "This replaces every customer, card, ledger and order in the database with the "
                f"backup in {file}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        try:
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored from {file}.")
