from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regulars.core import backup, clock


class Command(BaseCommand):
    help = "Write a consistent copy of the database to a file, while the product keeps running."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="where to write it (default: var/backups/regulars-<time>.<sqlite3|dump>)",
        )

    def handle(self, *args, file=None, **options):
        from django.conf import settings

        suffix = "sqlite3" if backup.vendor() == "sqlite" else "dump"
        stamp = clock.localnow().strftime("%Y%m%d-%H%M%S")
        target = Path(file or Path(settings.VAR_DIR) / "backups" / f"regulars-{stamp}.{suffix}")
        try:
            written = backup.backup(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        size = written.stat().st_size
        self.stdout.write(f"Backed up to {written} ({size / 1e6:.1f} MB).")
