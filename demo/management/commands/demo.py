from datetime import date

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from demo.generator import demo_generate
from demo.stats import demo_statistics


class Command(BaseCommand):
    help = "Construit un réseau de démonstration déterministe (CAE, sites, personnes, parcours)."

    def add_arguments(self, parser):
        parser.add_argument("--cooperatives", type=int, default=6)
        parser.add_argument("--entrepreneurs", type=int, default=40, help="Personnes par CAE (le double pour la première).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--as-of", default="", help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui). "
                            "Même graine et même date : mêmes données.")

    def handle(self, *args, cooperatives, entrepreneurs, seed, as_of, **options):
        if cooperatives < 1 or entrepreneurs < 0:
            raise CommandError("--cooperatives doit valoir au moins 1 et --entrepreneurs ne peut être négatif.")
        try:
            reference = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of : date invalide « {as_of} » (AAAA-MM-JJ).") from exc
        made = demo_generate(cooperatives=cooperatives, entrepreneurs=entrepreneurs, seed=seed, reference=reference,
                             stdout=self.stdout)
        from demo.network import network_demo_generate

        network_demo_generate(reference=reference, stdout=self.stdout)  # library and working groups
        from django.contrib.auth.hashers import make_password

        from demo.logins import DEMO_PASSWORD
        from demo.onboarding import onboarding_demo

        onboarding_demo(password_hash=make_password(DEMO_PASSWORD), reference=reference, stdout=self.stdout)
        demo_statistics(reference=reference, stdout=self.stdout)  # once: skipped when a release is published
        from demo.einvoicing import einvoicing_demo

        einvoicing_demo(stdout=self.stdout)  # only where `make run` started the sandbox platform
        self.stdout.write(self.style.SUCCESS(f"Réseau de démonstration : {len(made)} CAE créée(s)."))
