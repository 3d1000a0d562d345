"""Setup projects of new CAEs (public schema: there is no tenant yet).

Founders and mentors are `ProjectMember` rows, never `Membership`: they have a role on one
project, not in a CAE. The launch (launch.py) creates the CAE and its memberships."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.cooperatives.models import Cooperative, slug_validator, validate_slug_not_reserved
from essaim.cooperatives.regions import REGIONS
from essaim.core.validators import (
    postal_code_validator,
    validate_bic,
    validate_iban,
    validate_siren,
    validate_siret,
)

from .stages import StageKey

departments_validator = RegexValidator(
    r"^\s*(\d{2}|2A|2B|97\d)(\s*,\s*(\d{2}|2A|2B|97\d))*\s*$",
    _("Départements : codes séparés par des virgules, par ex. « 08, 51 »."),
    code="invalid_departments",
)
MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00"),
         "validators": [MinValueValidator(Decimal("0"))]}


class SetupProject(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("En cours")
        LAUNCHED = "launched", _("Lancée")
        ABANDONED = "abandoned", _("Abandonnée")

    class LegalForm(models.TextChoices):
        SCOP = "scop", _("SCOP")
        SCIC = "scic", _("SCIC")

    name = models.CharField(_("nom de travail"), max_length=120)
    region = models.CharField(_("région"), max_length=2, choices=REGIONS)
    departments = models.CharField(_("départements"), max_length=60, validators=[departments_validator])
    sector = models.CharField(_("secteur"), max_length=32, choices=Cooperative.Sector.choices,
                              default=Cooperative.Sector.MULTI)
    mentor = models.ForeignKey(Cooperative, verbose_name=_("CAE marraine"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="mentored_projects")
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # Feasibility study
    territory = models.TextField(_("territoire"), blank=True)
    needs = models.TextField(_("besoins identifiés"), blank=True)
    expected_entrepreneurs = models.PositiveIntegerField(_("entrepreneurs attendus à trois ans"), default=0)
    # Legal set-up
    legal_form = models.CharField(_("forme juridique"), max_length=4, choices=LegalForm.choices, blank=True)
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    statutes_adopted_on = models.DateField(_("statuts adoptés le"), null=True, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(_("SIRET du siège"), max_length=14, blank=True, validators=[validate_siret])
    registered_on = models.DateField(_("immatriculée le"), null=True, blank=True)
    slug = models.CharField(_("sous-domaine prévu"), max_length=40, blank=True,
                            validators=[slug_validator, validate_slug_not_reserved])
    # Logistics
    address = models.CharField(_("adresse du siège"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True, validators=[postal_code_validator])
    city = models.CharField(_("ville"), max_length=100, blank=True)
    other_sites = models.TextField(_("autres lieux d'accueil"), blank=True,
                                   help_text=_("Une ligne par lieu : ville ; code postal ; antenne ou permanence"))
    bank_name = models.CharField(_("banque"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    insurer = models.CharField(_("assureur"), max_length=120, blank=True)
    accountant = models.CharField(_("expert-comptable"), max_length=120, blank=True)
    # Launch
    cooperative = models.OneToOneField(Cooperative, verbose_name=_("CAE créée"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="setup_project")
    launched_at = models.DateTimeField(_("lancée le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("projet de CAE")
        verbose_name_plural = _("projets de CAE")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def department_list(self) -> list[str]:
        return [d.strip().upper() for d in self.departments.split(",") if d.strip()]


class ProjectMember(models.Model):
    class Role(models.TextChoices):
        FOUNDER = "founder", _("Fondateur·rice")
        MENTOR = "mentor", _("Marraine (CAE mentor)")

    project = models.ForeignKey(SetupProject, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="setup_roles")
    role = models.CharField(_("rôle"), max_length=8, choices=Role.choices)
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membre du projet")
        verbose_name_plural = _("membres du projet")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="project_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} · {self.get_role_display()}"


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("À faire")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Fait")

    project = models.ForeignKey(SetupProject, on_delete=models.CASCADE, related_name="tasks")
    stage = models.CharField(_("étape"), max_length=24, choices=StageKey.choices)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("tâche"), max_length=200)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsable"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.TODO)
    # A resource of the network's library, and/or the address of an outside document.
    resource = models.ForeignKey("resources.Resource", verbose_name=_("ressource de la bibliothèque"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    resource_url = models.URLField(_("lien vers un document"), max_length=500, blank=True)
    mentor_comment = models.TextField(_("commentaire de la marraine"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        ordering = ["project_id", "position", "id"]
        indexes = [models.Index(fields=["project", "stage"], name="onboarding_task_stage_idx")]

    def __str__(self) -> str:
        return self.title


class Partner(models.Model):
    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
        STATE = "state", _("Services de l'État")
        BANQUE_TERRITOIRES = "banque_territoires", _("Banque des Territoires")
        CRESS = "cress", _("CRESS")
        URSCOP = "urscop", _("URSCOP")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        TO_CONTACT = "to_contact", _("À contacter")
        CONTACTED = "contacted", _("Contacté")
        IN_DISCUSSION = "in_discussion", _("En discussion")
        COMMITTED = "committed", _("Engagé")
        DECLINED = "declined", _("Refusé")

    project = models.ForeignKey(SetupProject, on_delete=models.CASCADE, related_name="partners")
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=160)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    ask = models.TextField(_("demande"), blank=True)
    status = models.CharField(_("état"), max_length=16, choices=Status.choices, default=Status.TO_CONTACT)
    amount_requested = models.DecimalField(_("montant demandé (€)"), **MONEY)
    amount_committed = models.DecimalField(_("montant engagé (€)"), **MONEY)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["project_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class BusinessPlan(models.Model):
    class RateMode(models.TextChoices):
        FLAT = "flat", _("Taux unique")
        TIERED = "tiered", _("Taux par tranches de chiffre d'affaires")

    project = models.OneToOneField(SetupProject, on_delete=models.CASCADE, related_name="business_plan")
    first_year = models.PositiveIntegerField(_("première année"))
    opening_cash = models.DecimalField(_("trésorerie de départ (€)"), max_digits=12, decimal_places=2,
                                       default=Decimal("0.00"))
    rate_mode = models.CharField(_("contribution"), max_length=8, choices=RateMode.choices, default=RateMode.FLAT)
    flat_rate = models.DecimalField(_("taux unique (%)"), max_digits=5, decimal_places=2, default=Decimal("10.00"),
                                    validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))])
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan d'affaires")

    def __str__(self) -> str:
        return f"Plan d'affaires · {self.project_id}"


class PlanBand(models.Model):
    """A band of the tiered rate: `rate` applies to the part of an entrepreneur's yearly revenue
    above `lower_bound` (and below the next band's lower bound)."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="bands")
    lower_bound = models.DecimalField(max_digits=12, decimal_places=2)
    rate = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["plan_id", "lower_bound"]
        constraints = [models.UniqueConstraint(fields=["plan", "lower_bound"], name="plan_band_unique")]

    def __str__(self) -> str:
        return f"{self.rate} % dès {self.lower_bound} €"


class PlanYear(models.Model):
    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="years")
    index = models.PositiveSmallIntegerField()  # 1, 2, 3
    entrepreneurs = models.PositiveIntegerField(default=0)
    average_revenue = models.DecimalField(**MONEY)
    staff_costs = models.DecimalField(**MONEY)
    other_costs = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["plan_id", "index"]
        constraints = [models.UniqueConstraint(fields=["plan", "index"], name="plan_year_unique")]

    def __str__(self) -> str:
        return f"Année {self.index}"


class PlanSubsidy(models.Model):
    """A subsidy expected in one year, from a partner of the project or entered by label."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="subsidies")
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=160, blank=True)
    year_index = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["plan_id", "year_index", "id"]

    def __str__(self) -> str:
        return f"{self.label or self.partner_id} · année {self.year_index} · {self.amount} €"
