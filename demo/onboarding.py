"""Demo: two new CAEs in setup (essaimage), at different stages, written through the onboarding
services. « CAE Vallée de la Meuse » is ready to launch (legal stage done); « CAE Loire
Gâtinais » is mobilising its partners. Running it again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from essaim.accounts.models import User
from essaim.cooperatives.models import Cooperative

from .logins import FOUNDER_USERS, NETWORK_USERS

MEUSE, GATINAIS = "CAE Vallée de la Meuse", "CAE Loire Gâtinais"


def _founder(email: str, password_hash: str) -> User:
    first, last = next((f, la) for e, f, la, _ in FOUNDER_USERS if e == email)
    user, _ = User.objects.get_or_create(email=email, defaults={"password": password_hash, "first_name": first,
                                                                "last_name": last})
    return user


def onboarding_demo(*, password_hash: str, reference: date, stdout=None) -> list:
    from network.onboarding.models import ProjectMember, SetupProject, Task
    from network.onboarding.services import (
        business_plan_save,
        partner_save,
        project_update,
        setup_project_create,
    )
    from network.onboarding.stages import StageKey

    staff = User.objects.get(email=NETWORK_USERS[0][0])
    mentors = {c.slug: c for c in Cooperative.objects.filter(slug__in=["cesame", "kaleidoscope"])}
    fallback = Cooperative.objects.order_by("id").first()
    made = []
    with transaction.atomic():
        if not SetupProject.objects.filter(name=MEUSE).exists():
            project = setup_project_create(
                name=MEUSE, region="44", departments="08", sector="multi", mentor=mentors.get("cesame", fallback),
                expected_entrepreneurs=45, acting_user=staff, today=reference - timedelta(days=300),
                territory="Vallée de la Meuse, de Givet à Sedan : 120 000 habitants, bassin industriel en reconversion, "
                          "aucune CAE à moins d'une heure (l'antenne ardennaise de CESAME est à Charleville).",
                needs="Une soixantaine de porteurs de projet par an orientés par France Travail et les missions "
                      "locales ; forte demande en services aux entreprises, artisanat et tourisme de nature.")
            for email in ("fondatrice@vallee-meuse.demo", "fondateur@vallee-meuse.demo"):
                ProjectMember.objects.get_or_create(project=project, user=_founder(email, password_hash),
                                                    defaults={"role": ProjectMember.Role.FOUNDER})
            partners = {}
            for kind, name, contact, ask, status, requested, committed in [
                ("local_authority", "Région Grand Est", "Service ESS", "Aide au démarrage sur trois ans",
                 "committed", "90000", "75000"),
                ("local_authority", "Ardenne Métropole", "Direction du développement économique",
                 "Subvention de fonctionnement et mise à disposition de locaux", "committed", "30000", "24000"),
                ("state", "DREETS Grand Est", "Mission ESS", "Dispositif local d'accompagnement", "in_discussion",
                 "15000", "0"),
                ("banque_territoires", "Banque des Territoires — Grand Est", "Chargée de développement ESS",
                 "Cofinancement de l'étude de faisabilité", "committed", "20000", "20000"),
                ("cress", "CRESS Grand Est", "Pôle création", "Relais auprès des acteurs de l'ESS", "contacted", "0",
                 "0"),
                ("urscop", "URSCOP Grand Est", "Délégué territorial", "Accompagnement juridique des statuts",
                 "committed", "3000", "3000"),
            ]:
                partners[name] = partner_save(project=project, acting_user=staff, data={
                    "kind": kind, "name": name, "contact_name": contact, "ask": ask, "status": status,
                    "amount_requested": requested, "amount_committed": committed})
            region, metro = partners["Région Grand Est"].pk, partners["Ardenne Métropole"].pk
            business_plan_save(project=project, acting_user=staff, data={
                "first_year": str(reference.year + 1), "opening_cash": "15000", "rate_mode": "tiered",
                "band_1_from": "0", "band_1_rate": "10", "band_2_from": "35000", "band_2_rate": "8",
                "band_3_from": "45000", "band_3_rate": "6",
                "y1_entrepreneurs": "14", "y1_average_revenue": "16000", "y1_staff_costs": "62000",
                "y1_other_costs": "18000",
                "y2_entrepreneurs": "28", "y2_average_revenue": "21000", "y2_staff_costs": "88000",
                "y2_other_costs": "21000",
                "y3_entrepreneurs": "45", "y3_average_revenue": "26000", "y3_staff_costs": "115000",
                "y3_other_costs": "24000",
                f"subsidy_p{region}_y1": "30000", f"subsidy_p{region}_y2": "25000", f"subsidy_p{region}_y3": "20000",
                f"subsidy_p{metro}_y1": "12000", f"subsidy_p{metro}_y2": "12000", "subsidy_other_y1": "20000",
            })
            siren = "913524682"  # a fictitious SIREN with a valid Luhn key
            project_update(project=project, section="legal", acting_user=staff, data={
                "legal_form": "scop", "legal_name": "Vallée de la Meuse Entreprendre SCOP SARL",
                "statutes_adopted_on": (reference - timedelta(days=60)).isoformat(), "siren": siren,
                "siret": siren + "00014", "registered_on": (reference - timedelta(days=30)).isoformat(),
                "slug": "vallee-meuse"})
            project_update(project=project, section="logistics", acting_user=staff, data={
                "address": "4 rue du Moulin", "postal_code": "08000", "city": "Charleville-Mézières",
                "other_sites": "Sedan ; 08200 ; antenne\nGivet ; 08600 ; permanence",
                "bank_name": "Crédit Coopératif", "iban": "", "insurer": "MAIF",
                "accountant": "Cabinet Meuse Expertise"})
            done = [StageKey.FEASIBILITY, StageKey.PARTNERS, StageKey.BUSINESS_PLAN, StageKey.LEGAL,
                    StageKey.LOGISTICS]
            Task.objects.filter(project=project, stage__in=done).update(status=Task.Status.DONE)
            made.append(project)

        if not SetupProject.objects.filter(name=GATINAIS).exists():
            project = setup_project_create(
                name=GATINAIS, region="24", departments="45, 89", sector="culture",
                mentor=mentors.get("kaleidoscope", fallback), expected_entrepreneurs=30, acting_user=staff,
                today=reference - timedelta(days=70),
                territory="Montargis et le Gâtinais, jusqu'au nord de l'Yonne : artistes, artisans d'art et "
                          "techniciens du spectacle sans structure pour porter leur activité.",
                needs="Une vingtaine de porteurs de projet repérés par les tiers-lieux culturels du territoire.")
            ProjectMember.objects.get_or_create(project=project,
                                                user=_founder("fondatrice@loire-gatinais.demo", password_hash),
                                                defaults={"role": ProjectMember.Role.FOUNDER})
            Task.objects.filter(project=project, stage=StageKey.FEASIBILITY).update(status=Task.Status.DONE)
            first_partner_task = Task.objects.filter(project=project, stage=StageKey.PARTNERS).order_by("position")
            Task.objects.filter(pk__in=list(first_partner_task.values_list("pk", flat=True)[:1])).update(
                status=Task.Status.DONE)
            Task.objects.filter(pk__in=list(first_partner_task.values_list("pk", flat=True)[1:2])).update(
                status=Task.Status.IN_PROGRESS, mentor_comment="Prendre rendez-vous avant le comité de juin.")
            for kind, name, ask, status, requested, committed in [
                ("local_authority", "Agglomération Montargoise", "Locaux partagés au tiers-lieu", "in_discussion",
                 "10000", "0"),
                ("local_authority", "Région Centre-Val de Loire", "Aide au démarrage", "contacted", "50000", "0"),
                ("cress", "CRESS Centre-Val de Loire", "Mise en relation", "committed", "2000", "2000"),
                ("banque_territoires", "Banque des Territoires — Centre-Val de Loire", "Étude de faisabilité",
                 "to_contact", "0", "0"),
            ]:
                partner_save(project=project, acting_user=staff, data={
                    "kind": kind, "name": name, "ask": ask, "status": status, "amount_requested": requested,
                    "amount_committed": committed})
            business_plan_save(project=project, acting_user=staff, data={
                "first_year": str(reference.year + 1), "opening_cash": "8000", "rate_mode": "flat",
                "flat_rate": "11.5",
                "y1_entrepreneurs": "10", "y1_average_revenue": "14000", "y1_staff_costs": "45000",
                "y1_other_costs": "12000",
                "y2_entrepreneurs": "20", "y2_average_revenue": "18000", "y2_staff_costs": "60000",
                "y2_other_costs": "14000",
                "y3_entrepreneurs": "30", "y3_average_revenue": "22000", "y3_staff_costs": "75000",
                "y3_other_costs": "15000", "subsidy_other_y1": "35000", "subsidy_other_y2": "25000",
                "subsidy_other_y3": "10000",
            })
            made.append(project)
        for project in made:
            _mentoring(project)
    if stdout is not None:
        stdout.write(f"  Essaimage : {len(made)} projet(s) de CAE créé(s)")
    return made


# The library's guides a founder needs at each stage (titles of the demo library, network.py).
STAGE_RESOURCES = {
    "feasibility": "Étude d'opportunité : trame et questionnaire territoire",
    "partners": "Mobiliser les partenaires : collectivités, État, Banque des Territoires, CRESS, URSCOP",
    "legal": "Statuts types de SCOP et de SCIC pour une CAE",
    "launch": "Guide de l'essaimage : créer une nouvelle CAE",
}


def _mentoring(project) -> None:
    """The mentor CAE's director follows the project (mentor role), each stage's first task
    points to the library's guide for it, founders own the tasks, and the mentor has commented
    on the work under way."""
    from network.onboarding.models import ProjectMember, Task
    from network.resources.models import Resource

    from .logins import demo_email

    if project.mentor_id:
        mentor = User.objects.filter(email=demo_email(project.mentor.slug, "direction")).first()
        if mentor is not None:
            ProjectMember.objects.get_or_create(project=project, user=mentor,
                                                defaults={"role": ProjectMember.Role.MENTOR})
    founders = [m.user for m in project.members.filter(role=ProjectMember.Role.FOUNDER).order_by("pk")]
    resources = {r.title: r for r in Resource.objects.filter(title__in=STAGE_RESOURCES.values())}
    for stage, title in STAGE_RESOURCES.items():
        first = Task.objects.filter(project=project, stage=stage).order_by("position").first()
        if first is not None and title in resources:
            first.resource = resources[title]
            first.save(update_fields=["resource"])
    tasks = list(Task.objects.filter(project=project).order_by("stage", "position"))
    for index, task in enumerate(tasks):
        task.owner = founders[index % len(founders)] if founders else None
    Task.objects.bulk_update(tasks, ["owner"])
    under_way = next((t for t in tasks if t.status != Task.Status.DONE and not t.mentor_comment), None)
    if under_way is not None:
        under_way.mentor_comment = ("Nous sommes passés par cette étape à notre création : je vous envoie nos comptes rendus. "
                                    "Prévoyez une réunion avec l'URSCOP avant de fixer le calendrier.")
        under_way.save(update_fields=["mentor_comment"])
