"""Navigation per role. Apps add entries here rather than in templates."""

from collections.abc import Callable
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import Membership

# (url name, label, roles allowed; None = every member)
CAE_NAVIGATION = [
    ("home", _("Accueil"), None),
    ("people:board", _("Parcours"), Membership.STAFF_ROLES),
    ("people:list", _("Personnes"), Membership.STAFF_ROLES),
    ("support:calendar", _("Agenda"), None),
    ("people:sites", _("Sites"), Membership.STAFF_ROLES),
    ("catalogue:index", _("Modèles du réseau"), Membership.STAFF_ROLES),
    ("activity:quotes", _("Devis"), None),
    ("activity:invoices", _("Factures"), None),
    ("activity:customers", _("Clients"), None),
    ("activity:expenses", _("Notes de frais"), None),
    ("activity:my-account", _("Mon compte d'activité"), (Membership.Role.ENTREPRENEUR,)),
    ("activity:receivables", _("Créances"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("purchases:invoices", _("Factures fournisseurs"), None),
    ("einvoicing:overview", _("Facturation électronique"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("activity:ereporting", _("E-reporting"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("ledger:balance", _("Comptabilité"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("activity:contribution-rates", _("Taux de contribution"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("payroll:runs", _("Paie"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("payroll:withholding", _("Taux de prélèvement à la source"), (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS)),
    ("payroll:my-payslips", _("Mes bulletins"), (Membership.Role.ENTREPRENEUR,)),
    ("payroll:my-simulator", _("Simulateur de salaire"), (Membership.Role.ENTREPRENEUR,)),
    ("people:me", _("Mon parcours"), (Membership.Role.ENTREPRENEUR,)),
    ("apikeys", _("Clés d'API"), (Membership.Role.DIRECTOR,)),
    ("stats-cae:comparison", _("Statistiques"), (Membership.Role.DIRECTOR,)),
]

# On the network's public domain, for signed-in users (roles: None = everyone, else network staff only).
PUBLIC_NAVIGATION = [
    ("resources:library", _("Ressources"), None),
    ("resources:groups", _("Groupes de travail"), None),
    ("stats:dashboard", _("Statistiques"), ("network_staff",)),
    ("payrates:list", _("Barèmes de paie"), ("network_staff",)),
]


def _entries(items, allowed):
    out = []
    for name, label, roles in items:
        if not allowed(roles):
            continue
        try:
            out.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue  # the page is not installed in this URLconf
    return out


# Entries of the public domain that depend on a layer above the core (the setup projects of
# network.onboarding): that app registers a function user → [(url name, label, roles)] from its
# AppConfig.ready(), so the core never imports it.
PUBLIC_NAVIGATION_PROVIDERS: list[Callable[[Any], list[tuple[str, Any, Any]]]] = []


def register_public_navigation(provider: Callable[[Any], list[tuple[str, Any, Any]]]) -> None:
    if provider not in PUBLIC_NAVIGATION_PROVIDERS:
        PUBLIC_NAVIGATION_PROVIDERS.append(provider)


def _public_extra(user) -> list[tuple[str, Any, Any]]:
    return [entry for provider in PUBLIC_NAVIGATION_PROVIDERS for entry in provider(user)]


def navigation(request):
    cooperative = getattr(request, "cooperative", None)
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    nav = []
    if cooperative is not None and membership is not None:
        nav = _entries(CAE_NAVIGATION, lambda roles: roles is None or membership.role in roles)
    elif cooperative is None and user is not None and user.is_authenticated:
        nav = [{"url": reverse("home"), "label": _("Tableau de bord réseau") if user.is_network_staff else _("Accueil"),
                "name": "home"}]
        nav += _entries(_public_extra(user), lambda roles: True)
        nav += _entries(PUBLIC_NAVIGATION, lambda roles: roles is None or user.is_network_staff)
        if user.is_staff:
            nav.append({"url": reverse("admin:index"), "label": _("Administration"), "name": "admin"})
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    for entry in nav:
        entry["active"] = entry["name"] == current
    return {"cooperative": cooperative, "membership": membership, "navigation": nav}
