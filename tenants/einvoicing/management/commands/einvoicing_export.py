from pathlib import Path

from django.core.management import BaseCommand, CommandError

from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from tenants.einvoicing.archive import Month, archive_to_folder


class Command(BaseCommand):
    help = ("Écrit tous les flux échangés avec la plateforme agréée pendant un mois (factures, statuts, "
            "e-reporting), tels qu'échangés, avec leur manifeste.")

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", required=True, help="Sous-domaine de la CAE")
        parser.add_argument("--month", required=True, help="AAAA-MM")
        parser.add_argument("--output", required=True, help="Dossier de destination")

    def handle(self, *args, cooperative, month, output, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"CAE inconnue : {cooperative}")
        folder = Path(output)
        if not folder.is_dir():
            raise CommandError(f"Dossier introuvable : {folder}")
        try:
            period = Month.parse(month)
            with coop:
                target, count = archive_to_folder(period, folder)
        except AppError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{count} flux écrits dans {target}"))
