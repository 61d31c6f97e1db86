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
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="then delete all but the newest N backups in that directory (0: keep all)",
        )

    def handle(self, *args, file=None, keep=0, **options):
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
        if keep < 0:
            raise CommandError("--keep takes 0 (keep all) or more.")
        for old in backup.older_than_newest(written.parent, keep) if keep else []:
            old.unlink()
            self.stdout.write(f"Deleted the older backup {old.name}.")
