"""The demo network's library and working groups: a few dozen resources written for the demo
(guides, CAPE and CESA contract models, partnership agreements, workshop material, the shared
presentation of the pathway, annual reports, videos), one installable starter kit, and two
working groups with their meetings and minutes. Deterministic and idempotent (skips what
exists); written through the services, in well under a second."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from essaim.accounts.models import User
from essaim.cooperatives.models import Cooperative

from .logins import NETWORK_USERS, demo_email

PARIS = ZoneInfo("Europe/Paris")

# (title, kind, theme, sector, audience, visibility, author slug or None, summary)
RESOURCES = [
    ("Guide de l'accompagnement en CAE : de l'accueil à la sortie", "guide", "support", "all", "staff", "network", None,
     "Les étapes du parcours vues par l'équipe : réunion d'information collective, entretiens individuels, "
     "convention CAPE, premier chiffre d'affaires, CESA, avenants et sortie. Points de vigilance et exemples."),
    ("La coopérative d'activités et d'emploi en dix questions", "guide", "communication", "all", "partners",
     "public", None,
     "Ce qu'est une CAE, qui elle accueille, comment l'entrepreneur·e devient salarié·e puis associé·e : "
     "un document court pour les élus, les prescripteurs et les partenaires."),
    ("Présentation partagée du parcours et de ses acteurs", "presentation", "communication", "all", "partners",
     "public", None,
     "Le support commun du réseau : le parcours de l'entrepreneur·e, le rôle de la CAE, des prescripteurs, "
     "de la CRESS, des collectivités et des financeurs, en quelques visuels."),
    ("Modèle de convention CAPE (contrat d'appui au projet d'entreprise)", "template", "contracts", "all", "staff",
     "network", None,
     "Convention d'accompagnement pour la phase de test : durée de douze mois renouvelable deux fois, "
     "engagements réciproques, usage du SIRET de la coopérative, assurance et fin du contrat."),
    ("Modèle de contrat CESA (entrepreneur salarié associé)", "template", "contracts", "all", "staff", "network", None,
     "Contrat à durée indéterminée d'entrepreneur·e salarié·e : part fixe et part variable, contribution "
     "coopérative, engagement de devenir associé·e dans les trois ans (loi ESS du 31 juillet 2014)."),
    ("Modèle d'avenant au CESA : évolution du temps de travail", "template", "contracts", "all", "staff", "network",
     "cesame",
     "Avenant type pour augmenter les heures et la rémunération à mesure que le chiffre d'affaires progresse, "
     "jusqu'au temps plein ; avec le calcul de la part variable."),
    ("Convention de partenariat avec une collectivité territoriale", "template", "partners", "all", "partners",
     "network", None,
     "Trame de convention pluriannuelle : objectifs d'accompagnement, publics, permanences sur le territoire, "
     "indicateurs de suivi et financement. À adapter à chaque collectivité."),
    ("Convention de partenariat avec France Travail : orientation des porteurs de projet", "template", "partners",
     "all", "partners", "named", "cesame",
     "Modalités d'orientation des demandeurs d'emploi vers la réunion d'information collective et retour "
     "d'information au conseiller ; version négociée en Champagne-Ardenne."),
    ("Atelier « Gérer sa trésorerie » : support et fiches d'exercices", "workshop", "finance", "all",
     "entrepreneurs", "network", "cesame",
     "Le déroulé de l'atelier collectif de trois heures, les diapositives et les exercices : plan de trésorerie, "
     "délais de paiement, lecture du compte d'activité."),
    ("Atelier « Prospecter ses premiers clients »", "workshop", "support", "all", "entrepreneurs", "network",
     "kaleidoscope",
     "Support d'atelier commercial : définir sa cible, préparer son argumentaire, relancer un devis ; "
     "animé par l'équipe ou par un·e entrepreneur·e associé·e."),
    ("Atelier « Devis et factures sous le SIRET de la coopérative »", "workshop", "finance", "all", "entrepreneurs",
     "public", None,
     "Ce qui doit figurer sur un devis et une facture émis par la CAE, la TVA, les acomptes et les avoirs ; "
     "avec des cas pratiques."),
    ("Atelier assurances : responsabilité civile et décennale", "workshop", "contracts", "construction",
     "entrepreneurs", "network", "batisseurs",
     "Les assurances de la coopérative et celles de l'activité : responsabilité civile professionnelle, "
     "garantie décennale pour les métiers du bâtiment, déclarations de chantier."),
    ("Rapport annuel du réseau 2025", "report", "evaluation", "all", "partners", "public", None,
     "Entrepreneur·es accueilli·es, équivalents temps plein, chiffre d'affaires, sorties vers l'emploi ou la "
     "création d'entreprise, part des femmes : les chiffres consolidés des CAE du réseau."),
    ("Rapport annuel du réseau 2024", "report", "evaluation", "all", "partners", "public", None,
     "Les chiffres consolidés de l'année 2024 et les faits marquants : nouvelles CAE, groupes de travail, "
     "partenariats nationaux."),
    ("CESAME : rapport d'activité 2025", "report", "evaluation", "multi", "partners", "network", "cesame",
     "Une CAE régionale multi-activités : 85 entrepreneur·es accueilli·es, l'antenne des Ardennes et les "
     "permanences, le comité de pilotage et ses partenaires."),
    ("Vidéo : trois entrepreneures racontent leur parcours en CAE", "video", "communication", "all",
     "entrepreneurs", "public", None,
     "Témoignages filmés : tester son activité en CAPE, signer son CESA, devenir associée."),
    ("Vidéo : la réunion d'information collective en cinq minutes", "video", "support", "all", "entrepreneurs",
     "public", None, "Ce qui se dit lors de la réunion d'information hebdomadaire, pour les personnes hésitantes."),
    ("Vidéo : webinaire « Créer une CAE sur son territoire »", "video", "setup", "all", "founders", "public", None,
     "Enregistrement du webinaire du réseau : étude d'opportunité, partenaires à mobiliser, parrainage par une "
     "CAE existante, premiers entrepreneur·es."),
    ("Guide de l'essaimage : créer une nouvelle CAE", "guide", "setup", "all", "founders", "network", None,
     "La démarche d'essaimage du réseau : transmission de savoir-faire et accompagnement local plutôt que "
     "duplication d'un modèle ; les étapes et les ressources disponibles."),
    ("Étude d'opportunité : trame et questionnaire territoire", "template", "setup", "all", "founders", "network",
     None,
     "Trame de l'étude de faisabilité d'une nouvelle CAE : besoins du territoire, porteurs de projet attendus, "
     "structures d'accompagnement existantes, partenaires potentiels."),
    ("Mobiliser les partenaires : collectivités, État, Banque des Territoires, CRESS, URSCOP", "guide", "partners",
     "all", "founders", "network", None,
     "Qui solliciter, pour quoi et quand : subventions de démarrage, prêts, conventions d'objectifs, "
     "accompagnement au montage coopératif."),
    ("Statuts types de SCOP et de SCIC pour une CAE", "template", "governance", "all", "founders", "network", None,
     "Modèles de statuts commentés, choix entre SCOP et SCIC, collèges d'associés, sociétariat des "
     "entrepreneur·es salarié·es."),
    ("Guide du sociétariat : devenir associé·e", "guide", "governance", "all", "entrepreneurs", "network", None,
     "Pourquoi et comment devenir associé·e de la coopérative, parts sociales, droit de vote, délai de "
     "trois ans après le CESA."),
    ("Organiser l'assemblée générale et les séminaires coopératifs", "guide", "governance", "all", "staff",
     "network", "cesame",
     "Calendrier, convocations, animation participative et vie coopérative : retours d'expérience de "
     "plusieurs CAE."),
    ("Le compte d'activité expliqué aux entrepreneur·es", "guide", "finance", "all", "entrepreneurs", "public", None,
     "Chiffre d'affaires encaissé, contribution coopérative, frais, salaire chargé : lire son compte "
     "d'activité et anticiper son salaire."),
    ("Contribution coopérative : taux fixe ou dégressif ?", "report", "finance", "all", "staff", "network", None,
     "Comparatif des pratiques des CAE du réseau (10 %, 11,5 %, 12 % ou taux dégressif au-delà de 35 k€) "
     "et effets sur l'équilibre économique de la coopérative."),
    ("Accompagner les métiers du bâtiment en CAE", "guide", "support", "construction", "staff", "network",
     "batisseurs",
     "Spécificités de l'accompagnement dans le BTP : qualifications, assurances, sous-traitance, chantiers "
     "partagés entre entrepreneur·es."),
    ("Éco-construction : fiches pratiques pour les entrepreneur·es", "guide", "support", "construction",
     "entrepreneurs", "network", "batisseurs",
     "Matériaux biosourcés, labels, aides à la rénovation énergétique : fiches à distribuer en atelier."),
    ("Services à la personne en CAE : agrément et déclaration", "guide", "contracts", "personal_services", "staff",
     "network", "kaleidoscope",
     "Déclaration et agrément, avance immédiate du crédit d'impôt, spécificités de facturation aux particuliers."),
    ("Entrepreneuriat d'ESS et collectivités territoriales", "guide", "partners", "all", "partners", "public", None,
     "Pourquoi une collectivité soutient la création d'entreprises de l'économie sociale et solidaire : "
     "plus-value économique, sociale et environnementale pour le territoire."),
    ("Charte d'accueil des porteurs de projet", "template", "support", "all", "staff", "network", None,
     "Les engagements de la CAE envers les personnes accueillies : écoute, confidentialité, délais de réponse, "
     "orientation si le projet ne relève pas de la CAE."),
    ("Grille d'entretien individuel et fiche de suivi", "template", "support", "all", "staff", "network",
     "kaleidoscope",
     "Questions de l'entretien de diagnostic, points à revoir à chaque rendez-vous, prochaines étapes et date "
     "de suivi."),
    ("Cooperative Employment and Activity: an introduction", "presentation", "communication", "all", "partners",
     "public", None,
     "An English introduction to French business and employment cooperatives for European partners."),
    ("Modèle de règlement intérieur d'une CAE", "template", "governance", "all", "staff", "named", None,
     "Règles de fonctionnement communes : usage du nom de la coopérative, assurances, frais, outils partagés ; "
     "réservé aux CAE qui testent la nouvelle version."),
]

STARTER_KIT = {
    "workshops": [
        {"key": "gerer-sa-tresorerie", "title": "Gérer sa trésorerie", "theme": "management", "duration_minutes": 180,
         "description": "Plan de trésorerie, délais de paiement, lecture du compte d'activité."},
        {"key": "premiers-clients", "title": "Prospecter ses premiers clients", "theme": "sales",
         "duration_minutes": 180, "capacity": 10},
        {"key": "devis-factures", "title": "Devis et factures sous le SIRET de la coopérative", "theme": "management",
         "duration_minutes": 120},
        {"key": "methode-projet", "title": "Construire son projet pas à pas", "theme": "project",
         "duration_minutes": 180},
        {"key": "outils-numeriques", "title": "Les outils numériques de l'entrepreneur·e", "theme": "it",
         "duration_minutes": 120},
        {"key": "statut-entrepreneur-salarie", "title": "CAPE, CESA et sociétariat", "theme": "legal",
         "duration_minutes": 120},
        {"key": "assurances", "title": "Bien assurer son activité", "theme": "insurance", "duration_minutes": 90},
    ],
    "documents": [
        {"key": "convention-cape", "title": "Convention CAPE", "kind": "cape",
         "body": "Entre la coopérative d'activités et d'emploi {{ cooperative }} et {{ personne }}…"},
        {"key": "contrat-cesa", "title": "Contrat d'entrepreneur salarié associé (CESA)", "kind": "cesa",
         "body": "Contrat à durée indéterminée conclu en application des articles L7331-2 et suivants du Code du "
                 "travail…"},
        {"key": "avenant-temps-de-travail", "title": "Avenant : temps de travail et rémunération",
         "kind": "amendment", "body": "Le présent avenant modifie la durée du travail et la rémunération…"},
    ],
    "accounts": [
        {"number": "706100", "label": "Prestations de services des activités"},
        {"number": "707100", "label": "Ventes de marchandises des activités"},
        {"number": "4671", "label": "Entrepreneur·es — comptes courants d'activité"},
        {"number": "708800", "label": "Contribution coopérative"},
    ],
    "journals": [{"code": "OD", "label": "Opérations diverses"}, {"code": "AN", "label": "À-nouveaux"}],
    "contribution_rate": {"rate": "10.00", "note": "Taux du kit de démarrage du réseau"},
    "people_settings": {"cesa_requires_first_revenue": True, "retention_years": 5, "cape_warning_days": 30,
                        "associate_warning_months": 6},
}

GROUPS = [
    {
        "name": "Accompagnement et spécificités de l'ESS", "theme": "support", "sector": "",
        "coordinator": ("cesame", "direction"), "members": ["cesame", "kaleidoscope"],
        "description": "Articuler les pratiques d'accompagnement des CAE et mettre en perspective les spécificités "
                       "de l'économie sociale et solidaire ; produire un support de présentation commun.",
        "produced": "Présentation partagée du parcours et de ses acteurs",
        "shared": ["Guide de l'accompagnement en CAE : de l'accueil à la sortie",
                   "Grille d'entretien individuel et fiche de suivi"],
        "meetings": [
            (-120, "Reims, CRESS", "Tour de table des pratiques d'accompagnement ; objectifs du groupe.",
             "Synthèse de la rencontre : chaque CAE a présenté son parcours d'accueil. Constat partagé : la "
             "dimension collective de l'accompagnement est mal connue des prescripteurs. Objectif retenu : un "
             "support de présentation commun."),
            (-60, "Visioconférence", "Retours du questionnaire testé auprès des porteurs de projet ; trame du support.",
             "Synthèse de la rencontre : la trame proposée est accueillie comme une bonne base de travail. Sur le "
             "fond, partir des questions des porteurs de projet ; sur la forme, trop de texte : imaginer une "
             "chemise avec des fiches évolutives."),
            (-15, "Charleville-Mézières, antenne des Ardennes", "Relecture des fiches ; diffusion aux partenaires.",
             "Synthèse de la rencontre : les fiches sont validées ; la présentation partagée est publiée dans la "
             "bibliothèque du réseau. Prochaine étape : une version pour les collectivités."),
            (20, "Visioconférence", "Version pour les collectivités ; calendrier des présentations.", ""),
        ],
    },
    {
        "name": "Filière bâtiment et éco-construction", "theme": "", "sector": "construction",
        "coordinator": ("batisseurs", "direction"), "members": ["batisseurs", "cesame"],
        "description": "Les CAE qui accueillent des métiers du bâtiment : assurances, qualifications, chantiers "
                       "partagés et éco-construction.",
        "produced": "Éco-construction : fiches pratiques pour les entrepreneur·es",
        "shared": ["Atelier assurances : responsabilité civile et décennale",
                   "Accompagner les métiers du bâtiment en CAE"],
        "meetings": [
            (-90, "Nantes, Bâtisseurs Coop", "Assurance décennale : état des contrats de chaque CAE.",
             "Synthèse de la rencontre : trois assureurs consultés ; une négociation commune est possible pour les "
             "entrepreneur·es en CAPE. Un atelier commun sur les assurances sera proposé."),
            (-30, "Visioconférence", "Éco-construction : besoins de formation, fiches pratiques.",
             "Synthèse de la rencontre : demandes croissantes en éco-construction ; rédaction de fiches pratiques "
             "confiée à Bâtisseurs Coop, relecture par CESAME."),
            (35, "Reims, CESAME", "Chantiers partagés entre entrepreneur·es : organisation et facturation.", ""),
        ],
    },
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace("(", "").replace(")", "")


def pdf_bytes(title: str) -> bytes:
    """A small, valid one-page PDF carrying the title (Helvetica, ASCII)."""
    stream = f"BT /F1 16 Tf 56 780 Td ({_ascii(title)[:90]}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _slug_file(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in _ascii(title).lower()).strip("-")[:60] + ".pdf"


@transaction.atomic
def network_demo_generate(*, reference: date, stdout=None) -> int:
    """Library and working groups of the demo network. Returns the number of resources created."""
    from network.resources.models import Resource, WorkingGroup
    from network.resources.services import (
        group_create,
        group_share_resource,
        meeting_record,
        meeting_schedule,
        resource_propose,
        resource_publish,
    )

    staff = User.objects.filter(email=NETWORK_USERS[0][0]).first()
    if staff is None:
        return 0
    coops = {c.slug: c for c in Cooperative.objects.filter(slug__in=["cesame", "batisseurs", "kaleidoscope"])}
    existing = set(Resource.objects.values_list("title", flat=True))
    made = 0
    for title, kind, theme, sector, audience, visibility, author, summary in RESOURCES:
        if title in existing:
            continue
        author_coop = coops.get(author) if author else None
        named = [c.pk for c in coops.values()][:2] if visibility == "named" else []
        if visibility == "named" and not named:
            visibility = "network"
        upload, url = None, ""
        if kind == "video":
            url = f"https://videos.essaim.coop/{_slug_file(title)[:-4]}"
        else:
            upload = SimpleUploadedFile(_slug_file(title), pdf_bytes(title), content_type="application/pdf")
        resource = resource_propose(author_cooperative=author_coop, title=title, kind=kind, theme=theme,
                                    sector=sector, audience=audience, language="en" if "introduction" in title
                                    else "fr", summary=summary, visibility=visibility, named_cooperatives=named,
                                    upload=upload, url=url, notes="Première version", acting_user=staff)
        resource_publish(resource=resource, acting_user=staff)
        made += 1
    kit_title = "Kit de démarrage d'une CAE : ateliers, contrats, plan comptable"
    if kit_title not in existing:
        kit = resource_propose(
            author_cooperative=None, title=kit_title, kind="template", theme="setup", audience="founders",
            summary="Le modèle installé dans chaque nouvelle CAE à son lancement : catalogue de sept ateliers, "
                    "modèles de convention CAPE, de contrat CESA et d'avenant, libellés du plan comptable et des "
                    "journaux, taux de contribution et réglages des parcours. Installable en un clic par une CAE.",
            visibility="network", upload=SimpleUploadedFile("kit-de-demarrage.pdf", pdf_bytes(kit_title)),
            payload=STARTER_KIT, install_at_launch=True, acting_user=staff)
        resource_publish(resource=kit, acting_user=staff)
        made += 1
    by_title = {r.title: r for r in Resource.objects.filter(state="published")}
    for spec in GROUPS:
        if WorkingGroup.objects.filter(name=spec["name"]).exists():
            continue
        members = [coops[s].pk for s in spec["members"] if s in coops]
        coordinator = User.objects.filter(email=demo_email(*spec["coordinator"])).first()
        group = group_create(name=spec["name"], theme=spec["theme"], sector=spec["sector"],
                             description=spec["description"], coordinator=coordinator, member_cooperatives=members,
                             member_users=[coordinator.pk] if coordinator else [], acting_user=staff)
        produced = by_title.get(spec["produced"])
        if produced is not None:
            produced.working_group = group
            produced.save(update_fields=["working_group"])
        for title in spec["shared"]:
            if title in by_title:
                group_share_resource(group=group, resource=by_title[title], acting_user=staff)
        for days, place, agenda, minutes in spec["meetings"]:
            starts = datetime.combine(reference + timedelta(days=days), dtime(14, 0), tzinfo=PARIS)
            visio = "https://visio.essaim.coop/groupe-" + str(group.pk) if place == "Visioconférence" else ""
            meeting = meeting_schedule(group=group, starts_at=starts, place="" if visio else place, visio_url=visio,
                                       agenda=agenda, acting_user=staff)
            if minutes and days < 0:
                meeting_record(meeting=meeting, minutes=minutes, present_cooperatives=members,
                               present_users=[coordinator.pk] if coordinator else [], acting_user=staff)
    if stdout is not None:
        stdout.write(f"  Bibliothèque du réseau : {made} ressource(s) créée(s), {len(GROUPS)} groupes de travail")
    return made
