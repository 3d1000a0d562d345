"""Writes on customers and invoices: validated, atomic, audited. Numbers are given only at
finalisation, under a row lock on the series: no gap, no duplicate, even in parallel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from essaim.core.errors import AppError
from tenants.audit.services import audit_record

from .models import ActivitySettings, Customer, Invoice, InvoiceLine, NumberSeries, VatRate
from .totals import compute_totals


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal | str
    unit_price: Decimal | str
    vat_rate: str = VatRate.STANDARD
    unit: str = "unité"


def _user(acting_user):
    return acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def customer_create(*, entrepreneur, acting_user=None, **fields) -> Customer:
    for key in ("siren", "siret", "vat_number"):
        if fields.get(key):
            fields[key] = fields[key].replace(" ", "").upper()
    customer = Customer(entrepreneur=entrepreneur, **fields)
    customer.full_clean()
    if customer.siren and customer.siret and not customer.siret.startswith(customer.siren):
        raise ValidationError({"siret": "Le SIRET doit commencer par le SIREN du client."})
    customer.save()
    audit_record(action="customer_create", target=f"customer:{customer.pk}", acting_user=acting_user)
    return customer


def _lines(invoice: Invoice, lines: list[LineInput]) -> list[InvoiceLine]:
    if not lines:
        raise AppError("invoice_no_line", "Une facture comporte au moins une ligne.", field="lines")
    built = []
    for position, line in enumerate(lines, start=1):
        try:
            quantity, unit_price = Decimal(str(line.quantity)), Decimal(str(line.unit_price))
        except InvalidOperation as exc:
            raise AppError("invoice_line_invalid", f"Ligne {position} : quantité ou prix invalide.",
                           field="lines") from exc
        item = InvoiceLine(invoice=invoice, position=position, description=line.description.strip(),
                           quantity=quantity, unit_price=unit_price, vat_rate=line.vat_rate, unit=line.unit)
        try:
            item.full_clean(exclude=["invoice"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise AppError("invoice_line_invalid", f"Ligne {position} ({field}) : {messages[0]}",
                           field="lines") from exc
        built.append(item)
    return built


def _check_exemption(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    if any(line.vat_rate == VatRate.EXEMPT for line in lines) and not invoice.exemption_mention.strip():
        raise AppError("vat_exemption_mention_required",
                       "Une ligne exonérée de TVA exige la mention légale d'exonération (ex. « TVA non applicable, "
                       "art. 293 B du CGI »).", field="exemption_mention")


@transaction.atomic
def invoice_create_draft(*, entrepreneur, customer: Customer, lines: list[LineInput], operation: str = "services",
                         exemption_mention: str = "", purchase_order: str = "", acting_user=None) -> Invoice:
    if customer.entrepreneur_id != entrepreneur.pk:
        raise AppError("customer_of_another_activity", "Ce client appartient à une autre activité.", field="customer")
    invoice = Invoice(entrepreneur=entrepreneur, customer=customer, operation=operation,
                      exemption_mention=exemption_mention, purchase_order=purchase_order,
                      created_by=_user(acting_user))
    built = _lines(invoice, lines)
    _check_exemption(invoice, built)
    invoice.save()
    InvoiceLine.objects.bulk_create(built)
    _store_totals(invoice, built)
    audit_record(action="invoice_create", target=f"invoice:{invoice.pk}", acting_user=acting_user)
    return invoice


@transaction.atomic
def invoice_update_draft(*, invoice: Invoice, lines: list[LineInput], acting_user=None, **fields) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise AppError("invoice_finalised", "Une facture émise ne se modifie plus : établissez un avoir.")
    for name in ("operation", "exemption_mention", "purchase_order"):
        if name in fields:
            setattr(invoice, name, fields[name])
    built = _lines(invoice, lines)
    _check_exemption(invoice, built)
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(built)
    invoice.save(update_fields=["operation", "exemption_mention", "purchase_order"])
    _store_totals(invoice, built)
    return invoice


def _store_totals(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in lines)
    sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
    invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat = (
        sign * totals.excl_vat, sign * totals.vat, sign * totals.incl_vat)
    invoice.save(update_fields=["total_excl_vat", "total_vat", "total_incl_vat"])


def series_key(invoice: Invoice, on: date) -> tuple[str, str]:
    """(series key, printed prefix) for this CAE's numbering policy."""
    prefix = "AV" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "F"
    policy = ActivitySettings.current().numbering
    if policy == ActivitySettings.Numbering.YEARLY:
        return f"{prefix}-{on.year}", f"{prefix}{on.year}-"
    if policy == ActivitySettings.Numbering.PER_ENTREPRENEUR:
        return f"{prefix}-E{invoice.entrepreneur_id}", f"{prefix}-E{invoice.entrepreneur_id}-"
    return prefix, f"{prefix}-"


@transaction.atomic
def invoice_finalise(*, invoice: Invoice, on: date | None = None, acting_user=None) -> Invoice:
    """Give the next number of its series and fix the content for good."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.FINALISED:
        raise AppError("invoice_already_finalised", f"La facture {invoice.number} est déjà émise.")
    on = on or timezone.localdate()
    key, prefix = series_key(invoice, on)
    series, _ = NumberSeries.objects.get_or_create(key=key)
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    last = Invoice.objects.filter(number__startswith=prefix, status=Invoice.Status.FINALISED).order_by(
        "-issued_on").values_list("issued_on", flat=True).first()
    if last and on < last:
        raise AppError("invoice_backdated", f"La date d'émission ne peut précéder la dernière de la série "
                       f"({last:%d/%m/%Y}) : la numérotation est chronologique.", field="issued_on")
    invoice.number = f"{prefix}{series.next_value:05d}"
    series.next_value += 1
    series.save(update_fields=["next_value"])
    invoice.status = Invoice.Status.FINALISED
    invoice.issued_on = on
    invoice.due_on = on + timedelta(days=ActivitySettings.current().payment_days)
    invoice.finalised_at = timezone.now()
    invoice.save(update_fields=["number", "status", "issued_on", "due_on", "finalised_at"])
    audit_record(action=f"{invoice.kind}_finalise", target=f"invoice:{invoice.pk}", acting_user=acting_user,
                 details={"number": invoice.number})
    return invoice


@transaction.atomic
def credit_note_create(*, invoice: Invoice, lines: list[LineInput] | None = None, acting_user=None) -> Invoice:
    """A draft credit note cancelling `invoice` wholly (no lines given) or in part. It can never
    credit more than what remains of the invoice."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALISED:
        raise AppError("credit_note_needs_finalised_invoice", "Un avoir corrige une facture émise.")
    if lines is None:
        lines = [LineInput(line.description, line.quantity, line.unit_price, line.vat_rate, line.unit)
                 for line in invoice.lines.all()]
    note = Invoice(kind=Invoice.Kind.CREDIT_NOTE, entrepreneur=invoice.entrepreneur, customer=invoice.customer,
                   corrects=invoice, operation=invoice.operation, exemption_mention=invoice.exemption_mention,
                   created_by=_user(acting_user))
    built = _lines(note, lines)
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in built)
    already = -sum((n.total_incl_vat for n in invoice.credit_notes.all()), Decimal("0.00"))
    if totals.incl_vat + already > invoice.total_incl_vat:
        raise AppError("credit_note_exceeds_invoice",
                       f"L'avoir dépasse le reste de la facture ({invoice.total_incl_vat - already} € TTC).",
                       field="lines")
    note.save()
    InvoiceLine.objects.bulk_create(built)
    _store_totals(note, built)
    audit_record(action="credit_note_create", target=f"invoice:{note.pk}", acting_user=acting_user)
    return note


def invoice_delete(*, invoice: Invoice, acting_user=None) -> None:
    if invoice.status != Invoice.Status.DRAFT:
        raise AppError("invoice_finalised", "Une facture émise ne se supprime jamais : établissez un avoir.")
    with transaction.atomic():
        invoice.delete()
        audit_record(action="invoice_delete_draft", target=f"invoice:{invoice.pk}", acting_user=acting_user)


def invoice_pdf(*, invoice: Invoice, cooperative) -> bytes:
    """The issued invoice as PDF (WeasyPrint), with the legal mentions."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    lines = list(invoice.lines.all())
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in lines)
    html = render_to_string("activity/invoice_pdf.html", {
        "invoice": invoice, "lines": lines, "totals": totals, "cooperative": cooperative,
        "settings": ActivitySettings.current(),
    })
    return HTML(string=html).write_pdf()
