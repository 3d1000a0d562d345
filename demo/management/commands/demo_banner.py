from django.core.management import BaseCommand

from demo.logins import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Affiche les adresses et les comptes de démonstration (appelé par `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        logins = demo_logins()
        lines = ["", "Essaim est prêt.", f"  Réseau (site public) : http://localhost:{port}/"]
        for slug, name in logins["cooperatives"]:
            lines.append(f"  {name:<32} http://{slug}.localhost:{port}/")
        lines += [f"  Administration réseau : http://localhost:{port}/admin/", "",
                  f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :"]
        lines += [f"  {email:<40} {role}" for email, role in logins["users"]]
        lines += ["", "Ctrl-C pour arrêter."]
        self.stdout.write("\n".join(lines))
