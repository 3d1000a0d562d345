"""Supplier invoices received through the CAE's approved platform (docs/purchases.md): who sold
(Supplier), what arrived (SupplierInvoice, with the flow it came in and its file), and where it
goes — the activity whose routing code it carries (RoutingCode: the activity's own electronic
address in the national directory, `SIREN_SUFFIX`), else the accounts team's queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SUFFIX_MAX = 35  # what follows "SIREN_" in an addressing identifier (the directory allows more; kept short to type)


class RoutingCode(models.Model):
    """An activity's electronic address for its purchases: `<CAE SIREN>_<code>`, the address its
    suppliers put on their invoices (BT-49) or, failing that, the buyer reference (BT-10)."""

    entrepreneur = models.ForeignKey("people.Entrepreneur", on_delete=models.PROTECT, related_name="routing_codes")
    code = models.CharField(_("code d'acheminement"), max_length=SUFFIX_MAX, unique=True)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("code d'acheminement")

    def __str__(self) -> str:
        return self.code


class Supplier(models.Model):
    """A supplier as its first invoice named it; merged on its SIREN."""

    name = models.CharField(_("fournisseur"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("numéro de TVA"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("fournisseur")
        constraints = [models.UniqueConstraint(fields=["siren"], condition=~models.Q(siren=""),
                                               name="purchases_supplier_siren_once")]

    def __str__(self) -> str:
        return self.name


class SupplierInvoice(models.Model):
    class State(models.TextChoices):
        UNREADABLE = "unreadable", _("Illisible (à traiter)")
        TO_ASSIGN = "to_assign", _("À attribuer")
        INBOX = "inbox", _("À valider")
        APPROVED = "approved", _("Approuvée")
        DISPUTED = "disputed", _("En litige")
        REFUSED = "refused", _("Refusée")
        DUPLICATE = "duplicate", _("Doublon")

    class RoutedBy(models.TextChoices):
        ADDRESS = "address", _("adresse électronique")
        REFERENCE = "reference", _("référence acheteur")
        HAND = "hand", _("attribution manuelle")

    flow = models.OneToOneField("einvoicing.Flow", on_delete=models.PROTECT, related_name="supplier_invoice")
    state = models.CharField(_("état"), max_length=12, choices=State.choices)
    read_error = models.CharField(_("motif"), max_length=300, blank=True)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    entrepreneur = models.ForeignKey("people.Entrepreneur", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="supplier_invoices")
    routed_by = models.CharField(max_length=10, choices=RoutedBy.choices, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    syntax = models.CharField(max_length=10, blank=True)
    type_code = models.CharField(max_length=3, blank=True)
    number = models.CharField(_("numéro"), max_length=60, blank=True)
    issue_date = models.DateField(_("date"), null=True, blank=True)
    issue_year = models.PositiveSmallIntegerField(null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total_excl_vat = models.DecimalField(_("total HT"), max_digits=14, decimal_places=2, null=True, blank=True)
    total_vat = models.DecimalField(_("TVA"), max_digits=14, decimal_places=2, null=True, blank=True)
    total_incl_vat = models.DecimalField(_("total TTC"), max_digits=14, decimal_places=2, null=True, blank=True)
    amount_due = models.DecimalField(_("net à payer"), max_digits=14, decimal_places=2, null=True, blank=True)
    vat_lines = models.JSONField(default=list, blank=True)
    buyer_address = models.CharField(_("adresse de l'acheteur (BT-49)"), max_length=125, blank=True)
    buyer_reference = models.CharField(_("référence acheteur (BT-10)"), max_length=100, blank=True)
    category = models.CharField(_("nature de l'achat"), max_length=20, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_reason = models.CharField(_("motif"), max_length=300, blank=True)
    status_sent = models.CharField(_("dernier statut envoyé"), max_length=3, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("facture fournisseur")
        constraints = [
            # One invoice per supplier, number and year (duplicates are kept apart, state duplicate).
            models.UniqueConstraint(fields=["supplier", "number", "issue_year"],
                                    condition=models.Q(state__in=["to_assign", "inbox", "approved", "disputed"]),
                                    name="purchases_invoice_once"),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="purchases_state")]

    def __str__(self) -> str:
        return f"{self.supplier or '?'} {self.number}"
