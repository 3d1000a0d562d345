from django.core.management import BaseCommand

from essaim.cooperatives.provisioning import pool_discard_stale, pool_refill, pool_size


class Command(BaseCommand):
    help = "Prépare la réserve de schémas migrés (une nouvelle CAE reçoit un schéma renommé)."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=None, help="Taille visée (défaut : ESSAIM_TENANT_POOL_SIZE).")

    def handle(self, *args, size=None, **options):
        dropped = pool_discard_stale()
        made = pool_refill(size=size)
        self.stdout.write(f"Réserve : {pool_size()} schéma(s) prêt(s) ({made} préparé(s), {dropped} périmé(s) supprimé(s)).")
