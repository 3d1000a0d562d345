"""Writes on setup projects. Every function is atomic, validates before writing (bad input
changes nothing), reports a broken rule as an AppError with a French message, and is audited
in the public schema (the network's trail)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.regions import REGION_NAMES
from essaim.core.errors import AppError
from essaim.core.money import CENT, cents
from essaim.core.validators import postal_code_validator

from .models import BusinessPlan, Partner, PlanBand, PlanSubsidy, PlanYear, ProjectMember, SetupProject, Task
from .selectors import STAFF
from .stages import DEFAULT_TASKS, STAGE_ORDER, StageKey

MAX_MONEY = Decimal("9999999999.99")
MAX_BANDS = 4
SITE_KINDS = {"antenne": "branch", "permanence": "outreach"}


# -- parsing ------------------------------------------------------------------------------------

def parse_money(value, *, field: str, label: str, allow_negative: bool = False) -> Decimal:
    """ "12 000,50", "12000.5", 12000 → Decimal('12000.50'); empty → 0."""
    text = str(value if value is not None else "").replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace("€", "").replace(",", ".")
    if not text:
        return Decimal("0.00")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise AppError("amount_invalid", f"{label} : montant invalide « {value} ».", field=field) from exc
    if not amount.is_finite():
        raise AppError("amount_invalid", f"{label} : montant invalide « {value} ».", field=field)
    if amount < 0 and not allow_negative:
        raise AppError("amount_negative", f"{label} : le montant ne peut pas être négatif.", field=field)
    if abs(amount) > MAX_MONEY:
        raise AppError("amount_too_large", f"{label} : montant trop élevé.", field=field)
    return cents(amount)


def parse_rate(value, *, field: str, label: str) -> Decimal:
    text = str(value if value is not None else "").replace(" ", "").replace("%", "").replace(",", ".")
    try:
        rate = Decimal(text)
    except InvalidOperation as exc:
        raise AppError("rate_invalid", f"{label} : taux invalide « {value} » (un pourcentage, par ex. 10,5).",
                       field=field) from exc
    if not rate.is_finite() or rate < 0 or rate > 50:
        raise AppError("rate_out_of_range", f"{label} : le taux doit être compris entre 0 et 50 %.", field=field)
    if rate != rate.quantize(CENT):
        raise AppError("rate_precision", f"{label} : deux décimales au plus.", field=field)
    return rate.quantize(CENT)


def parse_int(value, *, field: str, label: str, minimum: int = 0, maximum: int = 100_000) -> int:
    text = str(value if value is not None else "").strip().replace(" ", "")
    if text == "":
        return minimum
    try:
        number = int(text)
    except ValueError as exc:
        raise AppError("integer_invalid", f"{label} : nombre entier attendu.", field=field) from exc
    if number < minimum or number > maximum:
        raise AppError("integer_out_of_range", f"{label} : entre {minimum} et {maximum}.", field=field)
    return number


def parse_date(value, *, field: str, label: str) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AppError("date_invalid", f"{label} : date invalide « {text} » (AAAA-MM-JJ).", field=field) from exc


def _from_validation(exc: ValidationError) -> AppError:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return AppError(errors[0].code or "invalid", errors[0].messages[0], field=field)
    return AppError(getattr(exc, "code", None) or "invalid", exc.messages[0])


def _require_staff(acting_user: Actor) -> None:
    if acting_user is None or not getattr(acting_user, "is_network_staff", False):
        raise AppError("network_staff_only", "Action réservée à l'équipe du réseau.", status=403)


def _require_open(project: SetupProject) -> None:
    if project.status != SetupProject.Status.OPEN:
        raise AppError("project_closed", "Ce projet est clos : il ne peut plus être modifié.")


def site_root_default() -> str:
    return f"https://{settings.BASE_DOMAIN}"


# -- projects -----------------------------------------------------------------------------------

@transaction.atomic
def setup_project_create(*, name: str, region: str, departments: str, sector: str = Cooperative.Sector.MULTI,
                         mentor: Cooperative | None = None, expected_entrepreneurs=0, territory: str = "",
                         needs: str = "", acting_user: Actor, today: date | None = None) -> SetupProject:
    """Open a project with the default checklist of every stage and an empty business plan."""
    _require_staff(acting_user)
    today = today or timezone.localdate()
    project = SetupProject(
        name=(name or "").strip(), region=region or "", departments=(departments or "").strip(),
        sector=sector or Cooperative.Sector.MULTI, mentor=mentor, territory=territory or "", needs=needs or "",
        expected_entrepreneurs=parse_int(expected_entrepreneurs, field="expected_entrepreneurs",
                                         label="Entrepreneurs attendus"),
        created_by=actor_user(acting_user),
    )
    if not project.name:
        raise AppError("name_required", "Indiquez le nom de travail du projet.", field="name")
    if region not in REGION_NAMES:
        raise AppError("region_invalid", "Choisissez une région.", field="region")
    try:
        project.full_clean(exclude=["cooperative", "created_by", "mentor"])
    except ValidationError as exc:
        raise _from_validation(exc) from exc
    project.save()
    Task.objects.bulk_create([
        Task(project=project, stage=stage, position=STAGE_ORDER.index(stage) * 100 + i, title=title,
             due_on=today + timedelta(days=days))
        for stage, items in DEFAULT_TASKS.items() for i, (title, days) in enumerate(items)
    ])
    plan = BusinessPlan.objects.create(project=project, first_year=today.year + 1)
    PlanYear.objects.bulk_create([PlanYear(plan=plan, index=i) for i in (1, 2, 3)])
    audit_record(action="setup_project_create", target=f"setup_project:{project.pk}", acting_user=acting_user)
    return project


def _send_later(*, subject: str, body: str, to: str) -> None:
    # Only once the transaction commits: a rolled-back invitation sends nothing.
    transaction.on_commit(lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[to]))


def _password_link(user, root: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return root.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def project_member_invite(*, project: SetupProject, email: str, first_name: str = "", last_name: str = "",
                          role: str = ProjectMember.Role.FOUNDER, acting_user: Actor, site_root: str | None = None,
                          notify: bool = True) -> ProjectMember:
    """Give `email` a role on this project only (an account on the public domain, created if
    needed with no password: the e-mail carries a link to choose one)."""
    _require_staff(acting_user)
    _require_open(project)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AppError("email_invalid", "Adresse e-mail invalide.", field="email") from exc
    if role not in ProjectMember.Role.values:
        raise AppError("role_invalid", "Rôle inconnu.", field="role")
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name.strip()[:100], last_name=last_name.strip()[:100])
        user.set_unusable_password()
        user.save()
    if user.is_network_staff:
        raise AppError("already_network_staff", "Cette personne fait partie de l'équipe du réseau.", field="email")
    member, created = ProjectMember.objects.get_or_create(project=project, user=user, defaults={"role": role})
    if not created and member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    if notify:
        root = site_root or site_root_default()
        link = _password_link(user, root) if not user.has_usable_password() else root.rstrip("/") + reverse("login")
        what = "fondatrice ou fondateur" if role == ProjectMember.Role.FOUNDER else "marraine"
        _send_later(
            subject=f"[Essaim] Invitation au projet de CAE « {project.name} »",
            body=(f"Bonjour,\n\nL'équipe du réseau vous invite sur Essaim comme {what} du projet de CAE "
                  f"« {project.name} ».\nPour vous connecter : {link}\n\nÀ bientôt sur Essaim."),
            to=user.email,
        )
        member.invited_at = timezone.now()
        member.save(update_fields=["invited_at"])
    audit_record(action="project_member_invite", target=f"setup_project:{project.pk}", acting_user=acting_user,
                 details={"user": user.pk, "role": role, "notified": notify})
    return member


SECTIONS = {
    "feasibility": ("territory", "needs", "expected_entrepreneurs"),
    "legal": ("legal_form", "legal_name", "statutes_adopted_on", "siren", "siret", "registered_on", "slug"),
    "logistics": ("address", "postal_code", "city", "other_sites", "bank_name", "iban", "bic", "insurer",
                  "accountant"),
}
_DATES = {"statutes_adopted_on": "Date d'adoption des statuts", "registered_on": "Date d'immatriculation"}


def parse_other_sites(text: str) -> list[tuple[str, str, str]]:
    """ "Charleville-Mézières ; 08000 ; antenne" per line → (city, postal code, kind)."""
    sites, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        try:
            if len(parts) != 3 or not parts[0] or parts[2].lower() not in SITE_KINDS:
                raise ValidationError("format")
            postal_code_validator(parts[1])
        except ValidationError as exc:
            raise AppError("other_sites_invalid",
                           f"Autres lieux, ligne {number} : écrivez « ville ; code postal ; antenne » "
                           "(ou « permanence »).", field="other_sites") from exc
        city = parts[0][:100]
        if city.casefold() in seen:  # a CAE's sites have distinct names
            raise AppError("other_sites_duplicate", f"Autres lieux, ligne {number} : « {city} » figure déjà.",
                           field="other_sites")
        seen.add(city.casefold())
        sites.append((city, parts[1], SITE_KINDS[parts[2].lower()]))
    return sites


@transaction.atomic
def project_update(*, project: SetupProject, section: str, data, acting_user: Actor) -> SetupProject:
    """Update one section (feasibility, legal, logistics) of the project's record."""
    _require_open(project)
    if section not in SECTIONS:
        raise AppError("section_invalid", "Section inconnue.")
    fields = SECTIONS[section]
    project = SetupProject.objects.select_for_update().get(pk=project.pk)
    for name in fields:
        if name not in data:
            continue
        value = data.get(name)
        if name in _DATES:
            value = parse_date(value, field=name, label=_DATES[name])
        elif name == "expected_entrepreneurs":
            value = parse_int(value, field=name, label="Entrepreneurs attendus")
        elif name in ("siren", "siret", "iban", "bic"):
            value = (value or "").replace(" ", "").replace(".", "").upper()
        elif name == "slug":
            value = (value or "").strip().lower()
        else:
            value = (value or "").strip()
        setattr(project, name, value)
    if section == "legal" and project.legal_form and project.legal_form not in SetupProject.LegalForm.values:
        raise AppError("legal_form_invalid", "Forme juridique : SCOP ou SCIC.", field="legal_form")
    if section == "legal" and project.siren and project.siret and not project.siret.startswith(project.siren):
        raise AppError("siret_mismatch", "Le SIRET doit commencer par le SIREN de la coopérative.", field="siret")
    if section == "legal" and project.slug and Cooperative.objects.filter(slug=project.slug).exists():
        raise AppError("slug_taken", "Ce sous-domaine est déjà utilisé par une CAE.", field="slug")
    if section == "logistics":
        parse_other_sites(project.other_sites)
    try:
        project.full_clean(exclude=["cooperative", "created_by", "mentor"])
    except ValidationError as exc:
        raise _from_validation(exc) from exc
    project.save(update_fields=list(fields))
    audit_record(action="setup_project_update", target=f"setup_project:{project.pk}", acting_user=acting_user,
                 details={"section": section})
    return project


# -- tasks --------------------------------------------------------------------------------------

def _check_owner(project: SetupProject, owner_id):
    if owner_id in (None, ""):
        return None
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(owner_id))
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise AppError("owner_invalid", "Responsable inconnu.", field="owner") from exc
    if not user.is_network_staff and not ProjectMember.objects.filter(project=project, user=user).exists():
        raise AppError("owner_invalid", "Le responsable doit être membre du projet ou de l'équipe du réseau.",
                       field="owner")
    return user


def _check_resource(value, acting_user: Actor):
    """A published library resource the acting user may see (or none)."""
    if value in (None, ""):
        return None
    from network.resources.access import resources_published, viewer_for

    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise AppError("resource_invalid", "Ressource de la bibliothèque : numéro invalide.", field="resource") from exc
    resource = resources_published(viewer_for(actor_user(acting_user))).filter(pk=pk).first()
    if resource is None:
        raise AppError("resource_invalid", "Ressource de la bibliothèque introuvable ou non publiée.",
                       field="resource")
    return resource


@transaction.atomic
def task_update(*, project: SetupProject, task: Task, data, role: str, acting_user: Actor) -> Task:
    """Status, due date, owner, linked resource; the mentor's comment only by the mentor or the
    network's staff. `data` holds only the fields to change."""
    _require_open(project)
    if task.project_id != project.pk:
        raise AppError("not_found", "Tâche introuvable.", status=404)
    task = Task.objects.select_for_update().get(pk=task.pk)
    fields = []
    if "status" in data:
        if data["status"] not in Task.Status.values:
            raise AppError("status_invalid", "État de tâche inconnu.", field="status")
        if data["status"] != task.status:
            task.status = data["status"]
            task.done_at = timezone.now() if task.status == Task.Status.DONE else None
            fields += ["status", "done_at"]
    if "due_on" in data:
        task.due_on = parse_date(data["due_on"], field="due_on", label="Échéance")
        fields.append("due_on")
    if "owner" in data:
        task.owner = _check_owner(project, data["owner"])
        fields.append("owner")
    if "resource_url" in data:
        url = (data["resource_url"] or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError as exc:
                raise AppError("resource_url_invalid", "Ressource liée : adresse web invalide (http ou https).",
                               field="resource_url") from exc
        task.resource_url = url[:500]
        fields.append("resource_url")
    if "resource" in data:
        task.resource = _check_resource(data["resource"], acting_user)
        fields.append("resource")
    if "mentor_comment" in data and (data["mentor_comment"] or "").strip() != task.mentor_comment:
        if role not in (STAFF, ProjectMember.Role.MENTOR):
            raise AppError("mentor_only", "Seule la CAE marraine ou l'équipe du réseau commente les tâches.",
                           field="mentor_comment", status=403)
        task.mentor_comment = (data["mentor_comment"] or "").strip()
        fields.append("mentor_comment")
    if fields:
        task.updated_at = timezone.now()
        task.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        audit_record(action="setup_task_update", target=f"setup_task:{task.pk}", acting_user=acting_user,
                     details={"project": project.pk, "fields": list(dict.fromkeys(fields))})
    return task


@transaction.atomic
def task_create(*, project: SetupProject, stage: str, title: str, due_on=None, owner=None, acting_user: Actor) -> Task:
    _require_open(project)
    if stage not in STAGE_ORDER:
        raise AppError("stage_invalid", "Étape inconnue.", field="stage")
    title = (title or "").strip()
    if not title:
        raise AppError("title_required", "Intitulé de la tâche obligatoire.", field="title")
    last = project.tasks.filter(stage=stage).order_by("-position").values_list("position", flat=True).first()
    position = (last + 1) if last is not None else STAGE_ORDER.index(stage) * 100
    task = Task.objects.create(project=project, stage=stage, title=title[:200], position=position,
                               due_on=parse_date(due_on, field="due_on", label="Échéance"),
                               owner=_check_owner(project, owner))
    audit_record(action="setup_task_create", target=f"setup_task:{task.pk}", acting_user=acting_user,
                 details={"project": project.pk, "stage": stage})
    return task


# -- partners -----------------------------------------------------------------------------------

@transaction.atomic
def partner_save(*, project: SetupProject, data, partner: Partner | None = None, acting_user: Actor) -> Partner:
    """Create or update a partner of the project (contact, ask, status, amounts)."""
    _require_open(project)
    if partner is not None and partner.project_id != project.pk:
        raise AppError("not_found", "Partenaire introuvable.", status=404)
    row = partner or Partner(project=project)
    kind = data.get("kind", row.kind)
    if kind not in Partner.Kind.values:
        raise AppError("partner_kind_invalid", "Type de partenaire inconnu.", field="kind")
    status = data.get("status", row.status)
    if status not in Partner.Status.values:
        raise AppError("partner_status_invalid", "État du partenariat inconnu.", field="status")
    row.kind, row.status = kind, status
    row.name = (data.get("name", row.name) or "").strip()[:160]
    if not row.name:
        raise AppError("partner_name_required", "Nom du partenaire obligatoire.", field="name")
    row.contact_name = (data.get("contact_name", row.contact_name) or "").strip()[:120]
    row.contact_email = (data.get("contact_email", row.contact_email) or "").strip().lower()
    if row.contact_email:
        try:
            validate_email(row.contact_email)
        except ValidationError as exc:
            raise AppError("email_invalid", "E-mail du contact invalide.", field="contact_email") from exc
    row.ask = (data.get("ask", row.ask) or "").strip()
    row.amount_requested = parse_money(data.get("amount_requested", row.amount_requested),
                                       field="amount_requested", label="Montant demandé")
    row.amount_committed = parse_money(data.get("amount_committed", row.amount_committed),
                                       field="amount_committed", label="Montant engagé")
    if row.status == Partner.Status.COMMITTED and row.amount_committed <= 0:
        raise AppError("committed_amount_required", "Un partenaire engagé doit avoir un montant engagé.",
                       field="amount_committed")
    if row.status == Partner.Status.DECLINED and row.amount_committed > 0:
        raise AppError("declined_with_amount", "Un partenaire qui a refusé n'a pas de montant engagé.",
                       field="amount_committed")
    row.updated_at = timezone.now()
    row.save()
    audit_record(action="setup_partner_create" if partner is None else "setup_partner_update",
                 target=f"setup_partner:{row.pk}", acting_user=acting_user,
                 details={"project": project.pk, "status": row.status})
    return row


# -- business plan ------------------------------------------------------------------------------

YEAR_FIELDS = {
    "entrepreneurs": "Entrepreneurs accueillis",
    "average_revenue": "Chiffre d'affaires moyen",
    "staff_costs": "Charges de personnel",
    "other_costs": "Autres charges",
}


@transaction.atomic
def business_plan_save(*, project: SetupProject, data, acting_user: Actor) -> BusinessPlan:
    """Replace the plan's inputs from form-like data (all fields, or nothing if one is wrong):
    first_year, opening_cash, rate_mode, flat_rate, band_<i>_from / band_<i>_rate (i = 1..4),
    y<i>_<field> for the three years, subsidy_p<partner id>_y<i> and subsidy_other_y<i>."""
    _require_open(project)
    plan, _ = BusinessPlan.objects.select_for_update().get_or_create(
        project=project, defaults={"first_year": timezone.localdate().year + 1})
    first_year = parse_int(data.get("first_year", plan.first_year), field="first_year", label="Première année",
                           minimum=2000, maximum=2100)
    opening_cash = parse_money(data.get("opening_cash", ""), field="opening_cash", label="Trésorerie de départ",
                               allow_negative=True)
    rate_mode = data.get("rate_mode", BusinessPlan.RateMode.FLAT)
    if rate_mode not in BusinessPlan.RateMode.values:
        raise AppError("rate_mode_invalid", "Mode de contribution inconnu.", field="rate_mode")
    flat_rate = plan.flat_rate
    bands: list[tuple[Decimal, Decimal]] = []
    if rate_mode == BusinessPlan.RateMode.FLAT:
        flat_rate = parse_rate(data.get("flat_rate", ""), field="flat_rate", label="Taux de contribution")
    else:
        for i in range(1, MAX_BANDS + 1):
            lower, rate = (data.get(f"band_{i}_from", "") or "").strip(), (data.get(f"band_{i}_rate", "") or "").strip()
            if not lower and not rate:
                continue
            if not rate:
                raise AppError("band_rate_required", f"Tranche {i} : indiquez le taux.", field=f"band_{i}_rate")
            bands.append((parse_money(lower, field=f"band_{i}_from", label=f"Tranche {i}, à partir de"),
                          parse_rate(rate, field=f"band_{i}_rate", label=f"Tranche {i}, taux")))
        if not bands:
            raise AppError("bands_required", "Taux par tranches : indiquez au moins une tranche.", field="band_1_from")
        if bands[0][0] != 0:
            raise AppError("band_first_zero", "La première tranche commence à 0 €.", field="band_1_from")
        for i in range(1, len(bands)):
            if bands[i][0] <= bands[i - 1][0]:
                raise AppError("bands_not_increasing",
                               "Les seuils des tranches doivent être strictement croissants.",
                               field=f"band_{i + 1}_from")
    years = []
    for index in (1, 2, 3):
        values: dict[str, int | Decimal] = {}
        for name, label in YEAR_FIELDS.items():
            key = f"y{index}_{name}"
            if name == "entrepreneurs":
                values[name] = parse_int(data.get(key, ""), field=key, label=f"Année {index} — {label}",
                                         maximum=10_000)
            else:
                values[name] = parse_money(data.get(key, ""), field=key, label=f"Année {index} — {label}")
        years.append(values)
    partners = {p.pk: p for p in project.partners.all()}
    subsidies = []
    for key, value in data.items():
        if not key.startswith("subsidy_") or not str(value or "").strip():
            continue
        who, _, year = key[len("subsidy_"):].rpartition("_y")
        if year not in ("1", "2", "3"):
            raise AppError("subsidy_invalid", "Subvention : année inconnue.", field=key)
        partner = None
        if who != "other":
            try:
                partner = partners[int(who.removeprefix("p"))]
            except (KeyError, ValueError) as exc:
                raise AppError("subsidy_partner_invalid", "Subvention : partenaire inconnu.", field=key) from exc
        amount = parse_money(value, field=key, label=f"Subvention {partner.name if partner else 'autre'}, "
                                                     f"année {year}")
        if amount:
            subsidies.append(PlanSubsidy(plan=plan, partner=partner, label="" if partner else "Autres subventions",
                                         year_index=int(year), amount=amount))

    plan.first_year, plan.opening_cash, plan.rate_mode, plan.flat_rate = first_year, opening_cash, rate_mode, flat_rate
    plan.updated_at = timezone.now()
    plan.save(update_fields=["first_year", "opening_cash", "rate_mode", "flat_rate", "updated_at"])
    plan.bands.all().delete()
    PlanBand.objects.bulk_create([PlanBand(plan=plan, lower_bound=lo, rate=r) for lo, r in bands])
    for index, values in enumerate(years, start=1):
        PlanYear.objects.update_or_create(plan=plan, index=index, defaults=values)
    plan.subsidies.all().delete()
    PlanSubsidy.objects.bulk_create(subsidies)
    audit_record(action="business_plan_save", target=f"setup_project:{project.pk}", acting_user=acting_user)
    return plan


def legal_stage_blockers(project: SetupProject) -> list[str]:
    """What keeps the legal stage from being done (empty list: it is done)."""
    from stdnum.fr import siren as std_siren
    from stdnum.fr import siret as std_siret

    missing = []
    if project.tasks.filter(stage=StageKey.LEGAL).exclude(status=Task.Status.DONE).exists():
        missing.append("Toutes les tâches du montage juridique doivent être faites.")
    if project.legal_form not in SetupProject.LegalForm.values:
        missing.append("Forme juridique (SCOP ou SCIC) à renseigner.")
    if not project.legal_name:
        missing.append("Raison sociale à renseigner.")
    if not std_siren.is_valid(project.siren or ""):
        missing.append("SIREN valide à renseigner.")
    if not std_siret.is_valid(project.siret or "") or not (project.siret or "").startswith(project.siren or "-"):
        missing.append("SIRET du siège valide (commençant par le SIREN) à renseigner.")
    return missing
