"""Demo logins, printed by `make run` and listed in the README."""

DEMO_PASSWORD = "essaim-demo-2026"

NETWORK_USERS = [
    ("reseau@essaim.coop", "network_staff", "Équipe du réseau"),
    ("admin@essaim.coop", "network_admin", "Administration du réseau"),
]
# Founders of the demo's CAEs in setup (essaimage), on the network's domain:
# (e-mail, first name, last name, French description)
FOUNDER_USERS = [
    ("fondatrice@vallee-meuse.demo", "Claire", "Lambert", "Fondatrice — CAE Vallée de la Meuse (prête à lancer)"),
    ("fondateur@vallee-meuse.demo", "Yanis", "Benali", "Fondateur — CAE Vallée de la Meuse"),
    ("fondatrice@loire-gatinais.demo", "Agnès", "Morel", "Fondatrice — CAE Loire Gâtinais (partenaires)"),
]
# role → (e-mail local part, French description); for the first three CAEs
CAE_LOGINS = [
    ("director", "direction", "Direction"),
    ("counsellor", "conseil", "Accompagnement"),
    ("accounts", "compta", "Comptabilité et paie"),
    ("entrepreneur", "entrepreneur", "Entrepreneur·e"),
]


def demo_email(slug: str, local: str) -> str:
    return f"{local}@{slug}.demo"


def demo_logins() -> dict:
    from django.db.models import Case, Value, When

    from essaim.cooperatives.models import Cooperative

    from .data import FIRST_COOPERATIVES

    # The demo's named CAEs first (CESAME, …), whatever else the database holds.
    named = [When(slug=c["slug"], then=Value(i)) for i, c in enumerate(FIRST_COOPERATIVES)]
    coops = list(Cooperative.objects.order_by(Case(*named, default=Value(len(named))), "id")
                 .values_list("slug", "name")[:10])
    users = [(email, label) for email, _, label in NETWORK_USERS]
    users += [(email, label) for email, _first, _last, label in FOUNDER_USERS]
    for slug, name in coops[:3]:
        users += [(demo_email(slug, local), f"{label} — {name}") for _, local, label in CAE_LOGINS]
    return {"cooperatives": coops, "users": users}
