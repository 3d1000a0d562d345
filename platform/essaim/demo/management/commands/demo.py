from django.core.management import BaseCommand, CommandError

from essaim.demo.generator import demo_generate


class Command(BaseCommand):
    help = "Construit un réseau de démonstration déterministe (CAE, sites, personnes, parcours)."

    def add_arguments(self, parser):
        parser.add_argument("--cooperatives", type=int, default=6)
        parser.add_argument("--entrepreneurs", type=int, default=40, help="Personnes par CAE (le double pour la première).")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, cooperatives, entrepreneurs, seed, **options):
        if cooperatives < 1 or entrepreneurs < 0:
            raise CommandError("--cooperatives doit valoir au moins 1 et --entrepreneurs ne peut être négatif.")
        made = demo_generate(cooperatives=cooperatives, entrepreneurs=entrepreneurs, seed=seed, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Réseau de démonstration : {len(made)} CAE créée(s)."))
