import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from regulars.demo import generator
from regulars.merchants.models import Merchant


class Command(BaseCommand):
    help = "Generate the demo city (Shanghai): merchants, stores, catalogue, photos, consumers."

    def add_arguments(self, parser):
        parser.add_argument("--merchants", type=int, default=2000)
        parser.add_argument("--consumers", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when merchants already exist"
        )

    def handle(self, *args, merchants, consumers, seed, if_empty, **options):
        if Merchant.objects.exists() or get_user_model().objects.filter(username="admin").exists():
            if not if_empty:
                self.stderr.write("The database already has data; the demo city is generated once.")
                return
        else:
            started = time.monotonic()
            counts = generator.build_city(
                merchants=merchants, consumers=consumers, seed=seed, log=self.stdout.write
            )
            self.stdout.write(
                f"Demo city ready in {time.monotonic() - started:.0f}s: {counts['merchants']} merchants, "
                f"{counts['stores']} stores, {counts['items']} services, {counts['consumers']} consumers."
            )
        self.stdout.write(
            f"\nDemo sign-ins (password for all: {generator.DEMO_PASSWORD})\n"
            "  consumer        13800000001\n"
            "  merchant owner  13900000001\n"
            "  operator        admin   (Django admin at /admin/)\n"
        )
