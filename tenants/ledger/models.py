"""The CAE's double-entry journal, generated from the activity (invoices, credit notes,
payments). Entries are validated when written and never change afterwards."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The few accounts of the French chart (PCG) the activity posts to.
ACCOUNTS = {
    "411": "Clients",
    "706": "Prestations de services",
    "707": "Ventes de marchandises",
    "44571": "TVA collectée",
    "512": "Banque",
    "44566": "TVA déductible sur autres biens et services",
    "4671": "Entrepreneurs-salariés : frais à rembourser",
    "6064": "Fournitures administratives",
    "6251": "Voyages et déplacements",
    "6256": "Missions (repas)",
    "6288": "Autres services extérieurs",
    "6333": "Formation professionnelle",
    "6512": "Logiciels et abonnements",
    # Supplier invoices (tenants/purchases/decisions.py posts its journal HA with these)
    "401": "Fournisseurs",
    "604": "Achats d'études et prestations de services",
    "6068": "Autres matières et fournitures",
    "607": "Achats de marchandises",
    "613": "Locations",
    "6226": "Honoraires",
    # Payroll (tenants/payroll/runs.py posts its journal PA with these)
    "641": "Rémunérations du personnel",
    "6451": "Cotisations à l'URSSAF",
    "6452": "Cotisations aux mutuelles",
    "6453": "Cotisations aux caisses de retraite",
    "6454": "Cotisations à France Travail (assurance chômage)",
    "421": "Personnel - Rémunérations dues",
    "431": "Sécurité sociale (URSSAF)",
    "437": "Autres organismes sociaux",
    "4421": "État - Prélèvements à la source (impôt sur le revenu)",
}
JOURNALS = {"VT": "Ventes", "BQ": "Banque", "HA": "Achats et frais", "PA": "Paie"}


class EntrySequence(models.Model):
    """The next EcritureNum of a fiscal year: continuous, in validation order."""

    year = models.PositiveSmallIntegerField(unique=True)
    next_value = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.year}: {self.next_value}"


class Entry(models.Model):
    journal = models.CharField(_("journal"), max_length=4)
    number = models.CharField(_("n° d'écriture"), max_length=20, unique=True)
    date = models.DateField(_("date"))
    piece_ref = models.CharField(_("pièce"), max_length=35)
    piece_date = models.DateField(_("date de la pièce"))
    label = models.CharField(_("libellé"), max_length=200)
    entrepreneur = models.ForeignKey("people.Entrepreneur", null=True, on_delete=models.PROTECT,
                                     related_name="ledger_entries", verbose_name=_("activité (axe analytique)"))
    source = models.CharField(max_length=40, unique=True)  # e.g. "invoice:12", "payment:3": posted once
    validated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["validated_at", "id"]
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        indexes = [models.Index(fields=["date"], name="entry_date_idx"),
                   # the API's incremental sync (`updated_since`)
                   models.Index(fields=["validated_at"], name="entry_validated_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


class EntryLine(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(_("compte"), max_length=10)
    aux_account = models.CharField(_("compte auxiliaire"), max_length=20, blank=True)
    aux_label = models.CharField(_("libellé auxiliaire"), max_length=200, blank=True)
    label = models.CharField(_("libellé"), max_length=200)
    debit = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    credit = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "entry"], name="entryline_account_idx")]  # API `account` filter
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(debit__gt=0, credit=0) | models.Q(debit=0, credit__gt=0)),
                name="entryline_one_side_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} D{self.debit} C{self.credit}"


class FecExport(models.Model):
    """An FEC export run in the background (Celery); the file waits outside the web root."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    year = models.PositiveSmallIntegerField(_("exercice"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    lines = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"FEC {self.year} ({self.status})"
