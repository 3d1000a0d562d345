"""This CAE's payroll settings. Rates come from the shared rate tables (essaim.payrates)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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
