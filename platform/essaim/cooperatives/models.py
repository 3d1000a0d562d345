"""The tenant registry (public schema): cooperatives, their domains, the spare-schema pool."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from essaim.core.validators import validate_bic, validate_iban, validate_siren, validate_siret

from .regions import REGIONS

RESERVED_SLUGS = {"www", "api", "admin", "static", "media", "public", "reseau", "mail", "template"}

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
    _("Le sous-domaine ne contient que des minuscules, chiffres et tirets (3 à 40 caractères)."),
    code="invalid_slug",
)


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("Ce sous-domaine est réservé."), code="reserved_slug")


class Cooperative(TenantMixin):
    """A CAE. Its schema name is generated (`cae_<id>`), never taken from user input."""

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("Régionale (multi-activités)")
        SECTOR = "sector", _("Sectorielle")

    class Sector(models.TextChoices):
        MULTI = "multi", _("Multi-activités")
        CONSTRUCTION = "construction", _("Bâtiment (BTP)")
        PERSONAL_SERVICES = "personal_services", _("Services à la personne")
        CULTURE = "culture", _("Culture et création")
        DIGITAL = "digital", _("Numérique")
        AGRICULTURE = "agriculture", _("Agriculture et alimentation")

    name = models.CharField(_("nom"), max_length=120)
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    slug = models.CharField(
        _("sous-domaine"), max_length=40, unique=True, validators=[slug_validator, validate_slug_not_reserved]
    )
    siren = models.CharField(_("SIREN"), max_length=9, validators=[validate_siren])
    siret = models.CharField(_("SIRET du siège"), max_length=14, validators=[validate_siret])
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.REGIONAL)
    sector = models.CharField(_("secteur"), max_length=32, choices=Sector.choices, default=Sector.MULTI)
    region = models.CharField(_("région"), max_length=2, choices=REGIONS)
    address = models.CharField(_("adresse du siège"), max_length=200)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[RegexValidator(r"^\d{5}$", _("Code postal à 5 chiffres."))]
    )
    city = models.CharField(_("ville"), max_length=100)
    # The account customers pay into: printed on invoices and sent as the Factur-X payment means.
    iban = models.CharField(_("IBAN du compte d'encaissement"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    contribution_rate = models.DecimalField(
        _("taux de contribution coopérative (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    active_from = models.DateField(_("active depuis"), default=timezone.localdate)
    active_until = models.DateField(_("active jusqu'au"), null=True, blank=True)

    auto_create_schema = False  # provisioning (clone / spare pool) is ours: see provisioning.py
    auto_drop_schema = False

    class Meta:
        verbose_name = _("coopérative")
        verbose_name_plural = _("coopératives")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.active_from <= today and (self.active_until is None or self.active_until >= today)

    def clean(self) -> None:
        # Stored compact and upper-case, as python-stdnum validates them.
        self.iban = (self.iban or "").replace(" ", "").upper()
        self.bic = (self.bic or "").replace(" ", "").upper()
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValidationError({"siret": _("Le SIRET doit commencer par le SIREN de la coopérative.")})


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")

    def __str__(self) -> str:
        return self.domain


class SpareSchema(models.Model):
    """A migrated, unused schema waiting to become a CAE's (renamed on demand)."""

    name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
