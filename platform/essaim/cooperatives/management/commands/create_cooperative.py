from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from essaim.audit.actors import command_actor
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.services import cooperative_create


class Command(BaseCommand):
    help = "Crée une CAE (schéma, domaine) sans rejouer les migrations."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--legal-name")
        parser.add_argument("--slug", required=True, help="Sous-domaine, ex. cesame")
        parser.add_argument("--siren", required=True)
        parser.add_argument("--siret", required=True)
        parser.add_argument("--region", required=True, help="Code INSEE de région, ex. 44 (Grand Est)")
        parser.add_argument("--address", required=True)
        parser.add_argument("--postal-code", required=True)
        parser.add_argument("--city", required=True)
        parser.add_argument("--kind", default=Cooperative.Kind.REGIONAL, choices=Cooperative.Kind.values)
        parser.add_argument("--sector", default=Cooperative.Sector.MULTI, choices=Cooperative.Sector.values)
        parser.add_argument("--contribution-rate", default="10.00")
        parser.add_argument("--iban", default="", help="Compte d'encaissement imprimé sur les factures")
        parser.add_argument("--bic", default="")

    def handle(self, *args, **o):
        try:
            coop = cooperative_create(
                name=o["name"], legal_name=o["legal_name"] or o["name"], slug=o["slug"], siren=o["siren"],
                siret=o["siret"], region=o["region"], address=o["address"], postal_code=o["postal_code"],
                city=o["city"], kind=o["kind"], sector=o["sector"], contribution_rate=o["contribution_rate"],
                iban=o["iban"], bic=o["bic"], acting_user=command_actor("create_cooperative"),
            )
        except ValidationError as exc:
            lines = [f"{field} : {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
            raise CommandError("Données invalides :\n  " + "\n  ".join(lines)) from exc
        domain = coop.get_primary_domain()
        self.stdout.write(self.style.SUCCESS(f"CAE « {coop.name} » créée : schéma {coop.schema_name}, http://{domain}/"))
