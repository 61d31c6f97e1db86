from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from regulars.discovery import postgis


class Command(BaseCommand):
    help = "Use PostGIS for nearby search: install the extension and index store positions."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("PostGIS needs PostgreSQL (DATABASE_URL=postgres://...).")
        if not postgis.available():
            raise CommandError(
                "This PostgreSQL server has no PostGIS. On Debian: "
                "apt-get install postgresql-$(ls /etc/postgresql)-postgis-3"
            )
        postgis.enable_postgis()
        self.stdout.write(
            "PostGIS now serves nearby search (REGULARS_GEO_INDEX=grid turns it off)."
        )
