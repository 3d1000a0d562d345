"""People of a CAE (in its own schema): sites, entrepreneurs, their journeys, contracts and
reminders. The stage shown on screens is derived from the journey's dated events (journey.py);
`Entrepreneur.stage` is a cache of it, written only by services.journey_record_event."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules
from .journey import EventKind, ExitOutcome, Stage

naf_validator = RegexValidator(r"^\d{2}\.\d{2}[A-Z]$", _("Code NAF invalide (format attendu : 62.01Z)."),
                               code="invalid_naf")
postal_code_validator = RegexValidator(r"^\d{5}$", _("Code postal à 5 chiffres."), code="invalid_postal_code")


class PeopleSettings(models.Model):
    """This CAE's policy for people (one row per schema): set by a network template or by the
    director (`people_settings_update`, /personnes/reglages/). The legal limits are constants
    (rules.py); when to warn before them is the CAE's."""

    cesa_requires_first_revenue = models.BooleanField(
        _("un CESA suppose un premier chiffre d'affaires"), default=True)
    retention_years = models.PositiveSmallIntegerField(
        _("durée de conservation après la sortie (années)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)])
    cape_warning_days = models.PositiveSmallIntegerField(
        _("rappel avant la fin d'un CAPE (jours)"), default=rules.CAPE_WARNING_DAYS,
        validators=[MinValueValidator(rules.CAPE_WARNING_DAYS_MIN), MaxValueValidator(rules.CAPE_WARNING_DAYS_MAX)])
    associate_warning_months = models.PositiveSmallIntegerField(
        _("premier rappel avant l'échéance du sociétariat (mois)"), default=rules.ASSOCIATE_WARNING_MONTHS_DEFAULT,
        validators=[MinValueValidator(rules.ASSOCIATE_WARNING_MONTHS_MIN),
                    MaxValueValidator(rules.ASSOCIATE_WARNING_MONTHS_MAX)])
    # Set when the director saves the settings page: from then on they are the CAE's own, and a
    # network template installed later leaves them alone.
    edited_at = models.DateTimeField(_("modifiés par la CAE le"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("réglages des parcours")

    def __str__(self) -> str:
        return "Réglages des parcours"

    @classmethod
    def current(cls) -> PeopleSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class Site(models.Model):
    """Where a CAE meets people: head office, branch or outreach point."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Siège")
        BRANCH = "branch", _("Antenne")
        OUTREACH = "outreach", _("Permanence")

    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.BRANCH)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True, validators=[postal_code_validator])
    city = models.CharField(_("ville"), max_length=100)
    department = models.CharField(_("département"), max_length=3)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.UniqueConstraint(fields=["name"], name="site_unique_name")]
        indexes = [models.Index(fields=["department"], name="site_department_idx")]

    def __str__(self) -> str:
        return self.name


class Entrepreneur(models.Model):
    class Gender(models.TextChoices):
        WOMAN = "F", _("Femme")
        MAN = "M", _("Homme")
        OTHER = "X", _("Autre / non précisé")

    class EntrySituation(models.TextChoices):
        JOB_SEEKER = "job_seeker", _("Demandeur·se d'emploi")
        MINIMUM_INCOME = "minimum_income", _("Bénéficiaire des minima sociaux (RSA)")
        EMPLOYEE = "employee", _("Salarié·e")
        STUDENT = "student", _("Étudiant·e")
        CIVIL_SERVANT = "civil_servant", _("Fonctionnaire")
        OTHER = "other", _("Autre")

    class Education(models.TextChoices):
        NONE = "none", _("Sans diplôme")
        CAP_BEP = "cap_bep", _("CAP / BEP")
        BAC = "bac", _("Baccalauréat")
        BAC2 = "bac2", _("Bac +2")
        BAC3 = "bac3", _("Bac +3 / +4")
        BAC5 = "bac5", _("Bac +5 et plus")

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    gender = models.CharField(_("genre"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True, validators=[postal_code_validator])
    city = models.CharField(_("ville"), max_length=100, blank=True)
    entry_situation = models.CharField(_("situation à l'entrée"), max_length=16, choices=EntrySituation.choices,
                                       default=EntrySituation.JOB_SEEKER)
    education_level = models.CharField(_("niveau de formation"), max_length=8, choices=Education.choices, blank=True)
    referrer = models.CharField(_("prescripteur"), max_length=120, blank=True)
    activity_description = models.TextField(_("activité envisagée"), blank=True)
    # The name the activity trades under; the CAE invoices as the seller with this trading name.
    trading_name = models.CharField(_("nom commercial de l'activité"), max_length=120, blank=True)
    sector_naf = models.CharField(_("code NAF de l'activité"), max_length=6, blank=True, validators=[naf_validator])
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="entrepreneurs", verbose_name=_("site"))
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False, verbose_name=_("conseiller·e"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False, verbose_name=_("compte"))
    stage = models.CharField(_("étape"), max_length=16, choices=Stage.choices, default=Stage.CANDIDATE,
                             db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("entrepreneur·e")
        verbose_name_plural = _("entrepreneur·es")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="entrepreneur_unique_email",
                violation_error_message=_("Une personne avec cette adresse e-mail existe déjà."),
            ),
        ]
        indexes = [
            models.Index(fields=["site", "stage"], name="entrepreneur_site_stage_idx"),
            models.Index(fields=["counsellor", "stage"], name="entrepreneur_counsellor_idx"),
            models.Index(fields=["last_name", "first_name"], name="entrepreneur_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def trading_as(self) -> str:
        """What the activity trades under: its trading name, else its entrepreneur's name."""
        return self.trading_name or self.full_name


class Journey(models.Model):
    """One pass through the CAE; a person who comes back after an exit gets a new one."""

    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.CASCADE, related_name="journeys")
    number = models.PositiveSmallIntegerField(default=1)
    opened_on = models.DateField(_("début du parcours"))
    closed_on = models.DateField(_("sortie le"), null=True, blank=True)
    exit_outcome = models.CharField(_("issue"), max_length=20, choices=ExitOutcome.choices, blank=True)

    class Meta:
        ordering = ["entrepreneur", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entrepreneur", "number"], name="journey_number_unique"),
            models.UniqueConstraint(fields=["entrepreneur"], condition=models.Q(closed_on__isnull=True),
                                    name="journey_one_open"),
        ]

    def __str__(self) -> str:
        return f"Parcours {self.number} de {self.entrepreneur}"


class JourneyEvent(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("événement"), max_length=16, choices=EventKind.choices)
    on = models.DateField(_("date"))
    details = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_constraint=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["journey", "on"], name="journeyevent_order_idx"),
                   models.Index(fields=["kind", "on"], name="journeyevent_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} le {self.on:%d/%m/%Y}"


class Contract(models.Model):
    class Kind(models.TextChoices):
        CAPE = "cape", _("CAPE")
        CESA = "cesa", _("CESA")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices)
    renewal = models.PositiveSmallIntegerField(_("renouvellement n°"), default=0)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    weekly_hours = models.DecimalField(_("heures hebdomadaires"), max_digits=4, decimal_places=2, null=True,
                                       blank=True, validators=[MinValueValidator(Decimal("0")),
                                                               MaxValueValidator(Decimal("35"))])
    monthly_gross = models.DecimalField(_("salaire brut mensuel"), max_digits=9, decimal_places=2, null=True,
                                        blank=True, validators=[MinValueValidator(Decimal("0"))])
    event = models.OneToOneField(JourneyEvent, null=True, on_delete=models.SET_NULL, related_name="contract")

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["kind", "ends_on"], name="contract_kind_end_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.starts_on:%d/%m/%Y}"


class ContractAmendment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    effective_on = models.DateField(_("prise d'effet"))
    weekly_hours = models.DecimalField(_("heures hebdomadaires"), max_digits=4, decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("35"))])
    monthly_gross = models.DecimalField(_("salaire brut mensuel"), max_digits=9, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0"))])
    event = models.OneToOneField(JourneyEvent, null=True, on_delete=models.SET_NULL, related_name="amendment")

    class Meta:
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"Avenant du {self.effective_on:%d/%m/%Y}"


class Reminder(models.Model):
    """A deadline a counsellor must not miss. (kind, entrepreneur, due_on) makes the daily task
    idempotent."""

    kind = models.CharField(max_length=24)
    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.CASCADE, related_name="reminders")
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    due_on = models.DateField()
    deadline = models.DateField()
    message = models.CharField(max_length=240)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "entrepreneur", "due_on"], name="reminder_once")]
        indexes = [models.Index(fields=["counsellor", "done_at"], name="reminder_open_idx")]

    def __str__(self) -> str:
        return self.message
