from datetime import date

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from network.stats.collection import collection_run, collection_year


class Command(BaseCommand):
    help = ("Collecte les chiffres de chaque CAE (agrégats calculés dans son schéma) pour une année et ses "
            "trimestres. Idempotent : une contribution inchangée n'est pas réécrite.")

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", default="", help="Sous-domaine d'une seule CAE (défaut : toutes).")
        parser.add_argument("--period", default="", help="Année (défaut : l'année en cours).")
        parser.add_argument("--today", default="", help="Date de collecte AAAA-MM-JJ (défaut : aujourd'hui).")

    def handle(self, *args, cooperative, period, today, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today est une date AAAA-MM-JJ.") from exc
        try:
            year = collection_year(period or day.year, today=day)
        except AppError as exc:
            raise CommandError(f"--period : {exc.message}") from exc
        coops = Cooperative.objects.exclude(schema_name="public").order_by("pk")
        if cooperative:
            coops = coops.filter(slug=cooperative)
            if not coops.exists():
                raise CommandError(f"Aucune CAE « {cooperative} ».")
        for coop in coops:
            result = collection_run(cooperative=coop, year=year, today=day)
            self.stdout.write(f"{coop.slug}: {', '.join(result.periods)} — {result.written} écrite(s), "
                              f"{result.unchanged} inchangée(s)")
