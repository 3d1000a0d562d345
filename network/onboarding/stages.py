"""The stages of a setup project, in order, and the checklist each one starts with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageKey(models.TextChoices):
    FEASIBILITY = "feasibility", _("Étude d'opportunité et de faisabilité")
    PARTNERS = "partners", _("Partenaires")
    BUSINESS_PLAN = "business_plan", _("Plan d'affaires")
    LEGAL = "legal", _("Montage juridique")
    LOGISTICS = "logistics", _("Logistique")
    LAUNCH = "launch", _("Lancement")
    FIRST_ENTREPRENEURS = "first_entrepreneurs", _("Premiers entrepreneurs")


STAGE_ORDER: list[str] = list(StageKey.values)

# The checklist a new project starts with (title, days after opening for the due date).
DEFAULT_TASKS: dict[str, list[tuple[str, int]]] = {
    StageKey.FEASIBILITY: [
        ("Décrire le territoire (bassin d'emploi, CAE voisines)", 30),
        ("Recenser les besoins (porteurs de projet, prescripteurs)", 45),
        ("Estimer le nombre d'entrepreneurs attendus sur trois ans", 60),
        ("Présenter l'étude à la CAE marraine", 75),
    ],
    StageKey.PARTNERS: [
        ("Rencontrer la région et les intercommunalités", 90),
        ("Présenter le projet aux services de l'État (DREETS)", 100),
        ("Déposer une demande à la Banque des Territoires", 110),
        ("Rencontrer la CRESS et l'URSCOP", 120),
    ],
    StageKey.BUSINESS_PLAN: [
        ("Établir le prévisionnel sur trois ans", 130),
        ("Faire relire le prévisionnel par la CAE marraine", 140),
    ],
    StageKey.LEGAL: [
        ("Choisir la forme (SCOP ou SCIC) et rédiger les statuts", 160),
        ("Tenir l'assemblée constitutive", 170),
        ("Immatriculer la coopérative (SIREN, SIRET)", 185),
    ],
    StageKey.LOGISTICS: [
        ("Trouver les locaux du siège", 190),
        ("Ouvrir le compte bancaire", 195),
        ("Souscrire l'assurance responsabilité civile", 200),
        ("Choisir l'expert-comptable", 200),
    ],
    StageKey.LAUNCH: [
        ("Préparer la première réunion d'information collective", 210),
        ("Annoncer le lancement aux partenaires", 215),
    ],
    StageKey.FIRST_ENTREPRENEURS: [
        ("Accueillir les premiers porteurs de projet", 240),
        ("Signer les premiers CAPE", 270),
    ],
}
