"""What e-invoicing adds to customers and issued documents (imported by models.py): where a
business customer receives its invoices (the national directory, looked up when the customer is
saved and re-checked at issue) and the life of each document transmitted through the CAE's
approved platform (docs/einvoicing.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerDirectoryEntry(models.Model):
    """The directory's answer for a business customer, as of `checked_at`."""

    customer = models.OneToOneField("activity.Customer", on_delete=models.CASCADE, related_name="directory_entry")
    found = models.BooleanField(null=True)  # None: not looked up (no platform configured, or unreachable)
    addressing_identifier = models.CharField(_("adresse de facturation électronique"), max_length=125, blank=True)
    message = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inscription à l'annuaire")

    def __str__(self) -> str:
        return self.addressing_identifier or self.message


class InvoiceEmission(models.Model):
    """The transmission of one issued invoice or credit note to a French business buyer through
    the platform, and the latest lifecycle status it got (the statuses themselves are the
    transport's, tenants.einvoicing.LifecycleEvent, read through the flow)."""

    class State(models.TextChoices):
        PENDING = "pending", _("À transmettre")
        BUYER_UNKNOWN = "buyer_unknown", _("Client absent de l'annuaire")
        QUEUED = "queued", _("Transmise à la plateforme")
        REJECTED = "rejected", _("Rejetée")
        ERROR = "error", _("Refusée par la plateforme")

    invoice = models.OneToOneField("activity.Invoice", on_delete=models.PROTECT, related_name="emission")
    state = models.CharField(max_length=14, choices=State.choices, default=State.PENDING)
    message = models.CharField(max_length=300, blank=True)
    processing_rule = models.CharField(max_length=10, default="B2B")  # XP Z12-013 ProcessingRule
    buyer_address = models.CharField(max_length=125, blank=True)
    flow = models.ForeignKey("einvoicing.Flow", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("statut de cycle de vie"), max_length=3, blank=True, db_index=True)
    status_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transmission électronique")

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.get_state_display()} {self.status}"


class PaymentStatus(models.Model):
    """The 212 Encaissée sent for a payment of a service invoice (VAT due on receipt): once per
    payment, with the amount received per VAT rate (XP Z12-012; CGI art. 269-2-c)."""

    payment = models.OneToOneField("activity.Payment", on_delete=models.PROTECT, related_name="status_sent")
    flow = models.ForeignKey("einvoicing.Flow", on_delete=models.PROTECT, related_name="+")
    amounts = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("statut d'encaissement transmis")

    def __str__(self) -> str:
        return f"212 {self.payment_id}"
