"""The CAE's own models, many of them received from the network's templates: a catalogue of
workshops to schedule, document models (CAPE, CESA, agreements), the labels of its chart of
accounts and journals. Once here they are the CAE's: it edits or deletes them freely, and a
re-install of the template never touches them (see `InstalledItem`)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkshopTheme(models.TextChoices):
    """The themes of workshops, in the catalogue and once scheduled (support's `Workshop.Theme`)."""

    MANAGEMENT = "management", _("Gestion")
    SALES = "sales", _("Commercial")
    PROJECT = "project", _("Méthode de projet")
    IT = "it", _("Informatique")
    LEGAL = "legal", _("Juridique")
    INSURANCE = "insurance", _("Assurances")
    OTHER = "other", _("Autre")

def _edited_at() -> models.DateTimeField:
    """When the CAE last changed the item through its pages (None: as received or as created).
    Shown beside what a template installed, so a CAE sees that a re-install left its edit alone."""
    return models.DateTimeField(_("modifié par la CAE le"), null=True, blank=True, editable=False)


class WorkshopModel(models.Model):
    """An entry of the catalogue of workshops: what a scheduled `Workshop` is made from."""

    key = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    theme = models.CharField(_("thème"), max_length=16, choices=WorkshopTheme.choices)
    duration_minutes = models.PositiveIntegerField(_("durée (min)"), default=180,
                                                   validators=[MinValueValidator(15), MaxValueValidator(1440)])
    capacity = models.PositiveIntegerField(_("places"), default=12, validators=[MinValueValidator(1)])
    description = models.TextField(_("description"), blank=True)
    edited_at = _edited_at()

    class Meta:
        ordering = ["theme", "title"]
        verbose_name = _("atelier du catalogue")
        verbose_name_plural = _("catalogue des ateliers")

    def __str__(self) -> str:
        return self.title


class DocumentModel(models.Model):
    class Kind(models.TextChoices):
        CAPE = "cape", _("Contrat CAPE")
        CESA = "cesa", _("Contrat CESA")
        AMENDMENT = "amendment", _("Avenant")
        AGREEMENT = "agreement", _("Convention")
        LETTER = "letter", _("Courrier")
        OTHER = "other", _("Autre")

    key = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    body = models.TextField(_("texte"))
    edited_at = _edited_at()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("modèle de document")
        verbose_name_plural = _("modèles de documents")

    def __str__(self) -> str:
        return self.title


class AccountLabel(models.Model):
    """A label of the CAE's chart of accounts (the ledger posts by number; this names them)."""

    number = models.CharField(_("compte"), max_length=10, unique=True,
                              validators=[RegexValidator(r"^[1-8][0-9A-Z]{2,9}$", _("Numéro de compte invalide."))])
    label = models.CharField(_("libellé"), max_length=120)
    edited_at = _edited_at()

    class Meta:
        ordering = ["number"]
        verbose_name = _("compte")
        verbose_name_plural = _("plan comptable")

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


class JournalLabel(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True,
                            validators=[RegexValidator(r"^[A-Z0-9]{2,4}$", _("Code de journal invalide."))])
    label = models.CharField(_("libellé"), max_length=80)
    edited_at = _edited_at()

    class Meta:
        ordering = ["code"]
        verbose_name = _("journal")
        verbose_name_plural = _("journaux")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class InstalledItem(models.Model):
    """An item a network template offered to this CAE, recorded once: installing again skips it,
    whether the CAE kept, edited or deleted what it received."""

    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=120)
    resource_id = models.BigIntegerField()  # public.resources_resource (no cross-schema FK)
    version_number = models.PositiveIntegerField()
    created = models.BooleanField(default=True)  # False: the CAE already had one with that key
    installed_at = models.DateTimeField(default=timezone.now)
    installed_by_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="installed_item_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
