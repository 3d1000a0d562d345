from django.core.management import BaseCommand, CommandError

from essaim.audit.actors import command_actor
from essaim.core.errors import AppError
from essaim.payrates.services import document_read, rate_table_load


class Command(BaseCommand):
    help = "Charge un barème de paie (fichier JSON, voir docs/payroll.md) dans le schéma public."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier JSON du barème, ex. platform/essaim/payrates/data/fr-2027.json")
        parser.add_argument("--replace", action="store_true", help="Remplace le barème de même date de début.")

    def handle(self, *args, file, replace, **options):
        try:
            table = rate_table_load(document=document_read(file), source=str(file), replace=replace,
                                    acting_user=command_actor("payroll_rates_load"))
        except AppError as exc:
            raise CommandError(exc.message) from exc
        end = f" au {table.valid_to:%d/%m/%Y}" if table.valid_to else ""
        self.stdout.write(self.style.SUCCESS(f"Barème chargé : valable du {table.valid_from:%d/%m/%Y}{end}."))
