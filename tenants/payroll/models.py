"""This CAE's payroll: settings, withholding-tax rates, monthly runs and their lines, payslips.
Rates come from the shared rate tables (essaim.payrates)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class PayrollSettings(models.Model):
    """One row per schema. Rates here are in percent, as notified (2.08 for 2.08 %)."""

    class HeadcountBand(models.TextChoices):
        # Values are those of essaim.payrates.rateset.HEADCOUNT_BANDS.
        LT11 = "lt11", _("Moins de 11 salarié·es")
        FROM11 = "11_49", _("De 11 à 49 salarié·es")
        FROM50 = "50_249", _("De 50 à 249 salarié·es")
        GE250 = "ge250", _("250 salarié·es et plus")

    class HealthCover(models.TextChoices):
        NONE = "none", _("Aucune (non calculée)")
        AMOUNT = "amount", _("Montants mensuels fixes")
        PMSS_RATE = "pmss_rate", _("Pourcentage du plafond mensuel de la Sécurité sociale")

    headcount_band = models.CharField(_("effectif"), max_length=8, choices=HeadcountBand.choices,
                                      default=HeadcountBand.FROM11)
    atmp_rate = models.DecimalField(_("taux AT/MP notifié (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                    validators=_PERCENT,
                                    help_text=_("Vide : moyenne nationale du barème de l'année."))
    health_cover = models.CharField(_("complémentaire santé"), max_length=10, choices=HealthCover.choices,
                                    default=HealthCover.NONE)
    health_employer_amount = models.DecimalField(_("part employeur (€ par mois)"), max_digits=8, decimal_places=2,
                                                 default=Decimal(0), validators=[MinValueValidator(Decimal(0))])
    health_employee_amount = models.DecimalField(_("part salariale (€ par mois)"), max_digits=8, decimal_places=2,
                                                 default=Decimal(0), validators=[MinValueValidator(Decimal(0))])
    health_employer_rate = models.DecimalField(_("part employeur (% du PMSS)"), max_digits=6, decimal_places=3,
                                               default=Decimal(0), validators=_PERCENT)
    health_employee_rate = models.DecimalField(_("part salariale (% du PMSS)"), max_digits=6, decimal_places=3,
                                               default=Decimal(0), validators=_PERCENT)

    class Meta:
        verbose_name = _("réglages de paie")

    def __str__(self) -> str:
        return "Réglages de paie"

    @classmethod
    def current(cls) -> PayrollSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class WithholdingRate(models.Model):
    """A person's withholding-tax (PAS) rate as notified by the tax office, in percent, from the
    first day of a month on. Rows are never changed: a new rate is a new row, so the history of
    what each payslip used stays readable (and every change is in the audit log)."""

    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.CASCADE, related_name="withholding_rates",
                                     verbose_name=_("entrepreneur·e"))
    effective_from = models.DateField(_("à partir du"))
    rate = models.DecimalField(_("taux de prélèvement à la source (%)"), max_digits=5, decimal_places=2,
                               validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(60))])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_constraint=False)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entrepreneur", "-effective_from"]
        verbose_name = _("taux de prélèvement à la source")
        constraints = [models.UniqueConstraint(fields=["entrepreneur", "effective_from"],
                                               name="withholding_rate_once_per_month")]

    def __str__(self) -> str:
        return f"{self.rate} % à partir du {self.effective_from:%d/%m/%Y}"


class PayrollRun(models.Model):
    """One month's payroll of this CAE (one schema = one CAE, so `month` is unique per CAE)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        CHECKED = "checked", _("Vérifiée")
        CLOSED = "closed", _("Clôturée")

    month = models.DateField(_("mois"), help_text=_("Premier jour du mois payé."))
    state = models.CharField(_("état"), max_length=8, choices=State.choices, default=State.DRAFT)
    variable_share = models.DecimalField(
        _("part variable (% du disponible au-delà de la part fixe)"), max_digits=5, decimal_places=2,
        default=Decimal(0), validators=_PERCENT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    computed_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_constraint=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("paie du mois")
        constraints = [
            models.UniqueConstraint(fields=["month"], name="payrollrun_one_per_month",
                                    violation_error_message=_("Une paie existe déjà pour ce mois.")),
            models.CheckConstraint(condition=models.Q(month__day=1), name="payrollrun_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"Paie de {self.month:%m/%Y}"

    @property
    def pay_day(self):
        import calendar

        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])


_MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class PayrollLine(models.Model):
    """One CESA contract's pay for the run's month: the inputs (fixed part, available balance,
    envelope), the gross (computed or adjusted by staff) and the engine's figures. `detail` holds
    the payslip's contribution lines (JSON strings of Decimals) for the payslip and the journal."""

    run = models.ForeignKey(PayrollRun, on_delete=models.PROTECT, related_name="lines")
    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="payroll_lines")
    contract = models.ForeignKey("people.Contract", on_delete=models.PROTECT, related_name="payroll_lines")
    weekly_hours = models.DecimalField(max_digits=4, decimal_places=2)
    worked_fraction = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(1))
    fixed_gross = models.DecimalField(_("part fixe"), **_MONEY)
    fixed_cost = models.DecimalField(_("coût de la part fixe"), **_MONEY)
    available = models.DecimalField(_("disponible du compte d'activité"), **_MONEY)
    envelope = models.DecimalField(_("enveloppe"), **_MONEY)
    funded = models.BooleanField(_("part fixe financée"), default=True)
    flag = models.CharField(_("alerte"), max_length=300, blank=True)
    gross = models.DecimalField(_("brut"), **_MONEY)
    adjusted = models.BooleanField(_("brut ajusté"), default=False)
    adjust_reason = models.CharField(_("motif de l'ajustement"), max_length=300, blank=True)
    employee_contributions = models.DecimalField(**_MONEY)
    employer_contributions = models.DecimalField(**_MONEY)  # before the RGDU
    rgdu = models.DecimalField(**_MONEY)
    rgdu_coefficient = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal(0))
    smic_reference = models.DecimalField(**_MONEY)
    net_before_tax = models.DecimalField(**_MONEY)
    taxable_net = models.DecimalField(**_MONEY)
    pas_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))  # percent
    pas = models.DecimalField(**_MONEY)
    net_paid = models.DecimalField(**_MONEY)
    total_cost = models.DecimalField(**_MONEY)
    ytd_gross = models.DecimalField(**_MONEY)  # the year before this month, from earlier closed runs
    ytd_smic_reference = models.DecimalField(**_MONEY)
    ytd_rgdu = models.DecimalField(**_MONEY)
    detail = models.JSONField(default=list)

    class Meta:
        ordering = ["run", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "contract"], name="payrollline_one_per_contract")]
        indexes = [models.Index(fields=["entrepreneur", "run"], name="payrollline_person_idx")]

    def __str__(self) -> str:
        return f"{self.run} — {self.entrepreneur_id}"


class PayslipDocument(models.Model):
    """The rendered PDF of a closed line (written by a Celery task after closing; the line itself
    is immutable). Stored under MEDIA_ROOT/payslips/<schema>/ with a random name."""

    line = models.OneToOneField(PayrollLine, on_delete=models.PROTECT, related_name="document")
    path = models.CharField(max_length=300)
    rendered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Bulletin {self.line_id}"
