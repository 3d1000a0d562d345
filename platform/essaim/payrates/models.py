"""Payroll rate tables, shared by every CAE (public schema), one per period of validity."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RateTable(models.Model):
    """A whole rate document (see payrates/rateset.py for its format), valid from a date.

    Kept as the JSON the network staff loaded, so that it can be read back and diffed; the engine
    only ever sees it parsed and validated (selectors.rates_for)."""

    valid_from = models.DateField(_("valable à partir du"), unique=True)
    valid_to = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    document = models.JSONField(_("barème"))
    source = models.CharField(_("origine"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("chargé le"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("chargé par"))

    class Meta:
        verbose_name = _("barème de paie")
        verbose_name_plural = _("barèmes de paie")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                                   name="payrates_ratetable_period"),
        ]

    def __str__(self) -> str:
        return f"Barème du {self.valid_from:%d/%m/%Y}"
