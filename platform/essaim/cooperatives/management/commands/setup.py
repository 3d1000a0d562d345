"""Bring the database up to date: public schema, every CAE, the spare-schema pool,
and (with --demo-if-empty) the demo network."""

from django.conf import settings
from django.core.management import BaseCommand, call_command

from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.provisioning import pool_refill


class Command(BaseCommand):
    help = "Migre le schéma public et les CAE, prépare la réserve de schémas."

    def add_arguments(self, parser):
        parser.add_argument("--demo-if-empty", action="store_true",
                            help="Charge le réseau de démonstration si aucune CAE n'existe.")

    def handle(self, *args, demo_if_empty=False, verbosity=1, **options):
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        if demo_if_empty and not Cooperative.objects.exists():
            pool_refill(size=max(settings.TENANT_POOL_SIZE, 3))
            call_command("demo", verbosity=verbosity)
        made = pool_refill()
        if made:
            self.stdout.write(f"{made} schéma(s) de réserve préparé(s).")
        self.stdout.write(self.style.SUCCESS("Base de données à jour."))
