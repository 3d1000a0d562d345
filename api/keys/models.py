"""Per-CAE API keys. They live in the CAE's own schema: a key of one CAE cannot even be looked
up on another CAE's domain."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PEOPLE_READ = "people:read", _("Lecture des personnes (nom, étape, site) et des dates de contrat")
    PEOPLE_PERSONAL_READ = "people:personal", _("Lecture des données personnelles (contact, naissance, situation)")
    ACTIVITY_READ = "activity:read", _("Lecture des factures, devis et notes de frais")
    LEDGER_READ = "ledger:read", _("Lecture des écritures comptables et du FEC")
    PAYROLL_READ = "payroll:read", _("Lecture de la paie")


class ApiKey(models.Model):
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
