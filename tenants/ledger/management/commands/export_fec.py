from pathlib import Path

from django.core.management import BaseCommand, CommandError

from essaim.cooperatives.models import Cooperative
from tenants.ledger.fec import fec_validate_file, fec_write


class Command(BaseCommand):
    help = "Écrit le FEC d'une CAE pour un exercice (année civile) et le vérifie."

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", required=True, help="Sous-domaine de la CAE")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", required=True, help="Dossier de destination")

    def handle(self, *args, cooperative, year, output, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"CAE inconnue : {cooperative}")
        folder = Path(output)
        if not folder.is_dir():
            raise CommandError(f"Dossier introuvable : {folder}")
        with coop:
            path = fec_write(year=year, siren=coop.siren, folder=folder)
        errors = fec_validate_file(path, year=year, siren=coop.siren)
        if errors:
            raise CommandError(f"{path} : {len(errors)} erreur(s), la première, {errors[0]}")
        self.stdout.write(self.style.SUCCESS(f"FEC écrit et vérifié : {path}"))
