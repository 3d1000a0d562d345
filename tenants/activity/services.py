"""Writes on customers and invoices: validated, atomic, audited. Numbers are given only at
finalisation, under a row lock on the series: no gap, no duplicate, even in parallel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.cooperatives.tenancy import current_cooperative
from essaim.core.errors import AppError

from . import content
from .content import AdjustmentInput
from .models import (
    ActivitySettings,
    Country,
    Customer,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceLine,
    NumberSeries,
    VatRate,
)
from .parties import document_parties, issued_parties
from .policy import numbering_on, settings_for_numbering
from .totals import document_totals, invoice_totals

NO_NUL = ProhibitNullCharactersValidator()  # its message, for text that comes from raw POST data


@dataclass(frozen=True)
class LineInput:
    """A line as typed. An invoice's line may carry one allowance and one charge of its own (EN
    16931 BG-27/BG-28: amount excl. VAT, reason and/or UNTDID 5189/7161 code); quotes ignore them."""

    description: str
    quantity: Decimal | str
    unit_price: Decimal | str
    vat_rate: str = VatRate.STANDARD
    unit: str = "unité"
    allowance: Decimal | str = "0"
    allowance_reason: str = ""
    allowance_code: str = ""
    charge: Decimal | str = "0"
    charge_reason: str = ""
    charge_code: str = ""


def _user(acting_user: Actor):
    return actor_user(acting_user)


def customer_siren_check(*, kind: str, country: str, siren: str) -> None:
    """A French company's SIREN is a mandatory mention of its invoices (and its e-invoicing
    address). Checked by the customer form: the test factories still create companies without one."""
    if kind == Customer.Kind.COMPANY and country == Country.FR and not siren.strip():
        raise ValidationError({"siren": "Le SIREN est obligatoire pour une entreprise française : c'est une mention "
                                        "obligatoire de ses factures."})


@transaction.atomic
def customer_create(*, entrepreneur, acting_user: Actor, **fields) -> Customer:
    """A customer of `entrepreneur`'s activity, in France or elsewhere in the EU: identifiers
    checked with python-stdnum, the postal code in France, the VAT number against the country."""
    for key in ("siren", "siret", "vat_number"):
        if fields.get(key):
            fields[key] = fields[key].replace(" ", "").replace(".", "").upper()
    for key in ("name", "billing_address", "billing_postal_code", "billing_city", "delivery_address", "email"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    customer = Customer(entrepreneur=entrepreneur, **fields)
    customer.full_clean()
    if customer.siren and customer.siret and not customer.siret.startswith(customer.siren):
        raise ValidationError({"siret": "Le SIRET doit commencer par le SIREN du client."})
    customer.save()
    audit_record(action="customer_create", target=f"customer:{customer.pk}", acting_user=acting_user)
    from .emission import customer_directory_schedule

    customer_directory_schedule(customer)
    return customer


def lines_build(lines: list[LineInput], *, line_model=InvoiceLine, document: str = "invoice", **parent) -> list:
    """Validated, unsaved lines of `line_model` (InvoiceLine or QuoteLine) for the parent given as
    a keyword (`invoice=…` or `quote=…`). Shared by invoices and quotes; `document` names the
    error codes (`invoice_line_invalid`, `quote_line_invalid`…)."""
    if not lines:
        noun = "Un devis" if document == "quote" else "Une facture"
        raise AppError(f"{document}_no_line", f"{noun} comporte au moins une ligne.", field="lines")
    built = []
    for position, line in enumerate(lines, start=1):
        try:
            quantity, unit_price = Decimal(str(line.quantity)), Decimal(str(line.unit_price))
        except InvalidOperation as exc:
            raise AppError(f"{document}_line_invalid", f"Ligne {position} : quantité ou prix invalide.",
                           field="lines") from exc
        adjustments = content.line_adjustments(line, position) if line_model is InvoiceLine else {}
        item = line_model(position=position, description=line.description.strip(), quantity=quantity,
                          unit_price=unit_price, vat_rate=line.vat_rate, unit=line.unit, **adjustments, **parent)
        try:
            for name in ("description", "unit"):
                if "\x00" in getattr(item, name):  # PostgreSQL text cannot hold it; model fields let it through
                    raise ValidationError({name: NO_NUL.message})
            item.full_clean(exclude=list(parent))
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            label = line_model._meta.get_field(field).verbose_name if field != "__all__" else "ligne"
            raise AppError(f"{document}_line_invalid", f"Ligne {position} ({label}) : {messages[0]}",
                           field="lines") from exc
        if adjustments:
            content.line_net_check(item, position)
        built.append(item)
    return built


def _lines(invoice: Invoice, lines: list[LineInput]) -> list[InvoiceLine]:
    return lines_build(lines, invoice=invoice)


def exemption_check(document, lines) -> None:
    """An exempt line needs the legal exemption mention on its invoice or quote."""
    if any(line.vat_rate == VatRate.EXEMPT for line in lines) and not document.exemption_mention.strip():
        raise AppError("vat_exemption_mention_required",
                       "Une ligne exonérée de TVA exige la mention légale d'exonération (ex. « TVA non applicable, "
                       "art. 293 B du CGI »).", field="exemption_mention")


@transaction.atomic
def invoice_create_draft(*, entrepreneur, customer: Customer, lines: list[LineInput], operation: str = "services",
                         exemption_mention: str = "", purchase_order: str = "",
                         adjustments: list[AdjustmentInput] | tuple[AdjustmentInput, ...] = (),
                         currency: str = "EUR", acting_user: Actor, **delivery) -> Invoice:
    """A draft. `adjustments` are its document-level allowances and charges; `delivery` any of
    content.CONTENT_FIELDS (delivery address, delivery date or invoicing period, place of supply
    in France); `currency` must be EUR (content.currency_check)."""
    if customer.entrepreneur_id != entrepreneur.pk:
        raise AppError("customer_of_another_activity", "Ce client appartient à une autre activité.", field="customer")
    _content_fields_check(delivery)
    content.currency_check(currency)
    invoice = Invoice(entrepreneur=entrepreneur, customer=customer, operation=operation,
                      exemption_mention=exemption_mention, purchase_order=purchase_order,
                      created_by=_user(acting_user))
    if invoice.operation not in Invoice.Operation.values:
        raise AppError("invoice_operation_invalid", "Nature des opérations : choisissez l'une des options proposées.",
                       field="operation")
    content.content_apply(invoice, delivery)
    built = _lines(invoice, lines)
    built_adjustments = content.adjustments_build(invoice, adjustments)
    content.vat_check(invoice, built, built_adjustments)
    invoice.save()
    InvoiceLine.objects.bulk_create(built)
    InvoiceAllowanceCharge.objects.bulk_create(built_adjustments)
    _store_totals(invoice, built, built_adjustments)
    audit_record(action="invoice_create", target=f"invoice:{invoice.pk}", acting_user=acting_user)
    return invoice


def _content_fields_check(fields: dict) -> None:
    unknown = set(fields) - set(content.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected invoice fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def invoice_update_draft(*, invoice: Invoice, lines: list[LineInput], acting_user: Actor,
                         adjustments: list[AdjustmentInput] | tuple[AdjustmentInput, ...] | None = None,
                         currency: str = "EUR", **fields) -> Invoice:
    """Replace a draft's lines and the fields given (`customer` — an invoice's only, of the same
    activity —, `operation`, `exemption_mention`, `purchase_order`, and content.CONTENT_FIELDS);
    its document-level allowances and charges too when `adjustments` is given (None keeps them).
    A credit-note draft stays within what remains of the invoice it corrects."""
    _content_fields_check({k: v for k, v in fields.items()
                           if k not in ("customer", "operation", "exemption_mention", "purchase_order")})
    content.currency_check(currency)
    corrects_id = Invoice.objects.filter(pk=invoice.pk).values_list("corrects_id", flat=True).first()
    # The corrected invoice first, as credit_note_create locks it: two drafts of credit notes on
    # one invoice cannot together go beyond it.
    corrected = Invoice.objects.select_for_update().get(pk=corrects_id) if corrects_id else None
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise AppError("invoice_finalised", "Une facture émise ne se modifie plus : établissez un avoir.")
    if "customer" in fields and fields["customer"].pk != invoice.customer_id:
        if invoice.kind == Invoice.Kind.CREDIT_NOTE:
            raise AppError("credit_note_customer_fixed", "Le client d'un avoir est celui de la facture corrigée.",
                           field="customer")
        if fields["customer"].entrepreneur_id != invoice.entrepreneur_id:
            raise AppError("customer_of_another_activity", "Ce client appartient à une autre activité.",
                           field="customer")
        invoice.customer = fields["customer"]
    for name in ("operation", "exemption_mention", "purchase_order"):
        if name in fields:
            value = fields[name]
            setattr(invoice, name, value.strip() if isinstance(value, str) else value)
    if invoice.operation not in Invoice.Operation.values:
        raise AppError("invoice_operation_invalid", "Nature des opérations : choisissez l'une des options proposées.",
                       field="operation")
    content.content_apply(invoice, {name: fields[name] for name in content.CONTENT_FIELDS if name in fields})
    built = _lines(invoice, lines)
    if adjustments is None:
        built_adjustments = [InvoiceAllowanceCharge(invoice=invoice, position=a.position, is_charge=a.is_charge,
                                                    amount=a.amount, reason=a.reason, reason_code=a.reason_code,
                                                    vat_rate=a.vat_rate) for a in invoice.allowances_charges.all()]
    else:
        built_adjustments = content.adjustments_build(invoice, adjustments)
    content.vat_check(invoice, built, built_adjustments)
    if corrected is not None:
        _credit_note_check(corrected, built, built_adjustments, excluding=invoice)
    invoice.lines.all().delete()
    invoice.allowances_charges.all().delete()
    InvoiceLine.objects.bulk_create(built)
    InvoiceAllowanceCharge.objects.bulk_create(built_adjustments)
    invoice.save(update_fields=["customer", "operation", "exemption_mention", "purchase_order",
                                *content.CONTENT_FIELDS])
    _store_totals(invoice, built, built_adjustments)
    audit_record(action=f"{invoice.kind}_update_draft", target=f"invoice:{invoice.pk}", acting_user=acting_user)
    return invoice


def _store_totals(invoice: Invoice, lines: list[InvoiceLine], adjustments: list[InvoiceAllowanceCharge]) -> None:
    """The stored totals (totals.py: lines − allowances + charges), negative for a credit note:
    the journal entry and the activity accounts read them."""
    totals = document_totals(lines, adjustments)
    sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
    invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat = (
        sign * totals.excl_vat, sign * totals.vat, sign * totals.incl_vat)
    invoice.total_allowances, invoice.total_charges = sign * totals.allowances, sign * totals.charges
    invoice.save(update_fields=["total_excl_vat", "total_vat", "total_incl_vat", "total_allowances", "total_charges"])


def series_key(invoice, on: date, *, prefix: str | None = None,
               settings: ActivitySettings | None = None) -> tuple[str, str]:
    """(series key, printed prefix) for this CAE's numbering policy on `on`. `invoice` is an
    invoice or, with its own `prefix` (quotes: "D"), any document with an entrepreneur. Call it
    inside the transaction that gives the number; `settings`, if given, were read by
    `settings_for_numbering()` in that transaction."""
    prefix = prefix or ("AV" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "F")
    # The policy of the document's own date, read under a shared lock (policy.py).
    policy = numbering_on(on, settings or settings_for_numbering())
    if policy == ActivitySettings.Numbering.YEARLY:
        return f"{prefix}-{on.year}", f"{prefix}{on.year}-"
    if policy == ActivitySettings.Numbering.PER_ENTREPRENEUR:
        return f"{prefix}-E{invoice.entrepreneur_id}", f"{prefix}-E{invoice.entrepreneur_id}-"
    return prefix, f"{prefix}-"


@transaction.atomic
def invoice_finalise(*, invoice: Invoice, on: date | None = None, acting_user: Actor) -> Invoice:
    """Give the next number of its series and fix the content for good."""
    # The parties are read for the snapshot and the journal entry: fetched with the row (locked alone).
    invoice = (Invoice.objects.select_related("customer", "entrepreneur").select_for_update(of=("self",))
               .get(pk=invoice.pk))
    if invoice.status == Invoice.Status.FINALISED:
        raise AppError("invoice_already_finalised", f"La facture {invoice.number} est déjà émise.")
    # The VAT rates are checked again against the buyer as it is now (vat.py): an EU business's
    # service invoice at a French rate is never issued, whatever path its draft took.
    content.vat_check(invoice, list(invoice.lines.all()), list(invoice.allowances_charges.all()))
    on = on or timezone.localdate()
    settings = settings_for_numbering()
    key, prefix = series_key(invoice, on, settings=settings)
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
    invoice.due_on = on + timedelta(days=settings.payment_days)
    invoice.finalised_at = timezone.now()
    invoice.issued_as = document_parties(invoice=invoice, cooperative=current_cooperative(), settings=settings)
    invoice.save(update_fields=["number", "status", "issued_on", "due_on", "finalised_at", "issued_as"])
    from .journal import ledger_post_invoice

    ledger_post_invoice(invoice)
    audit_record(action=f"{invoice.kind}_finalise", target=f"invoice:{invoice.pk}", acting_user=acting_user,
                 details={"number": invoice.number})
    from .emission import emission_schedule

    emission_schedule(invoice)  # B2B France: transmitted through the platform after the commit
    return invoice


@dataclass(frozen=True)
class CreditRemaining:
    """What an invoice can still be credited of: the base excl. VAT per VAT rate, and incl. VAT."""

    by_rate: dict[Decimal, Decimal]
    incl_vat: Decimal


def credit_note_remaining(invoice: Invoice, *, excluding: Invoice | None = None) -> CreditRemaining:
    """The invoice less its credit notes, drafts included (so that two drafts cannot together go
    beyond it), `excluding` one of them (the draft being edited)."""
    notes = invoice.credit_notes.all()
    if excluding is not None:
        notes = notes.exclude(pk=excluding.pk)
    by_rate: dict[Decimal, Decimal] = {}
    # Bases per rate: lines' net amounts, less the document's allowances, plus its charges (totals.py).
    for rate_total in invoice_totals(invoice).by_rate:
        by_rate[rate_total.rate] = by_rate.get(rate_total.rate, Decimal("0.00")) + rate_total.base
    for note in notes.prefetch_related("lines", "allowances_charges"):
        for rate_total in invoice_totals(note).by_rate:
            by_rate[rate_total.rate] = by_rate.get(rate_total.rate, Decimal("0.00")) - rate_total.base
    credited = -sum((note.total_incl_vat for note in notes), Decimal("0.00"))
    return CreditRemaining(by_rate, invoice.total_incl_vat - credited)


def _credit_note_check(invoice: Invoice, built: list[InvoiceLine], adjustments: list[InvoiceAllowanceCharge] | None = None,
                       *, excluding: Invoice | None = None) -> None:
    """Never more than what remains of the invoice: per VAT rate on the base excl. VAT (no rate the
    invoice does not have), and in total incl. VAT."""
    remaining = credit_note_remaining(invoice, excluding=excluding)
    totals = document_totals(built, adjustments or [])
    for rate_total in totals.by_rate:
        left = max(remaining.by_rate.get(rate_total.rate, Decimal("0.00")), Decimal("0.00"))
        if rate_total.base > left:
            rate = f"{rate_total.rate.normalize():f}".replace(".", ",")
            raise AppError("credit_note_exceeds_invoice",
                           f"L'avoir dépasse le reste de la facture au taux de TVA de {rate} % "
                           f"({left} € HT restent à créditer).", field="lines")
    if totals.incl_vat > remaining.incl_vat:
        raise AppError("credit_note_exceeds_invoice",
                       f"L'avoir dépasse le reste de la facture ({remaining.incl_vat} € TTC).", field="lines")


def credit_note_remaining_lines(invoice: Invoice) -> list[LineInput]:
    """What remains to be credited, as lines to offer: the invoice's lines less the credit notes'
    identical lines (same designation, unit, unit price and rate: quantities reduced); if a credit
    note holds any other line (an amount, a discount), one line per VAT rate with the base that
    remains."""
    lines = list(invoice.lines.all())
    left = [line.quantity for line in lines]  # what remains of each line's quantity

    def balance() -> list[LineInput]:
        remaining = credit_note_remaining(invoice)
        return [LineInput(f"Solde de la facture {invoice.number}", "1", base, f"{rate:.2f}")
                for rate, base in sorted(remaining.by_rate.items(), reverse=True) if base > 0]

    # Allowances and charges (the line's own or the document's) do not split by quantity: offer
    # the balance per rate.
    if any(line.has_adjustments for line in lines) or invoice.allowances_charges.exists():
        return balance()
    for credited in InvoiceLine.objects.filter(invoice__corrects=invoice):
        key = (credited.description, credited.unit, credited.unit_price, credited.vat_rate)
        match = next((i for i, line in enumerate(lines) if (line.description, line.unit, line.unit_price,
                                                            line.vat_rate) == key and left[i] >= credited.quantity),
                     None)
        if match is None or credited.has_adjustments:
            return balance()
        left[match] -= credited.quantity
    return [LineInput(line.description, quantity, line.unit_price, line.vat_rate, line.unit)
            for line, quantity in zip(lines, left, strict=True) if quantity > 0]


@transaction.atomic
def credit_note_create(*, invoice: Invoice, lines: list[LineInput] | None = None, acting_user: Actor) -> Invoice:
    """A draft credit note cancelling `invoice` wholly (no lines given) or in part. It can never
    credit more than what remains of the invoice (`_credit_note_check`)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALISED:
        raise AppError("credit_note_needs_finalised_invoice", "Un avoir corrige une facture émise.")
    adjustments: list[AdjustmentInput] = []
    if lines is None:  # the whole invoice: its lines, with their allowances and charges, and the document's
        lines = [LineInput(line.description, line.quantity, line.unit_price, line.vat_rate, line.unit,
                           line.allowance_amount, line.allowance_reason, line.allowance_reason_code,
                           line.charge_amount, line.charge_reason, line.charge_reason_code)
                 for line in invoice.lines.all()]
        adjustments = [AdjustmentInput(a.amount, a.reason, a.reason_code, a.vat_rate, a.is_charge)
                       for a in invoice.allowances_charges.all()]
    # The same supply as the invoice it corrects: delivery, dates and place of supply copied.
    note = Invoice(kind=Invoice.Kind.CREDIT_NOTE, entrepreneur=invoice.entrepreneur, customer=invoice.customer,
                   corrects=invoice, operation=invoice.operation, exemption_mention=invoice.exemption_mention,
                   created_by=_user(acting_user),
                   **{name: getattr(invoice, name) for name in content.CONTENT_FIELDS})
    built = _lines(note, lines)
    built_adjustments = content.adjustments_build(note, adjustments)
    content.vat_check(note, built, built_adjustments)
    _credit_note_check(invoice, built, built_adjustments)
    note.save()
    InvoiceLine.objects.bulk_create(built)
    InvoiceAllowanceCharge.objects.bulk_create(built_adjustments)
    _store_totals(note, built, built_adjustments)
    audit_record(action="credit_note_create", target=f"invoice:{note.pk}", acting_user=acting_user)
    return note


def invoice_delete(*, invoice: Invoice, acting_user: Actor) -> None:
    if invoice.status != Invoice.Status.DRAFT:
        raise AppError("invoice_finalised", "Une facture émise ne se supprime jamais : établissez un avoir.")
    with transaction.atomic():
        invoice.delete()
        audit_record(action="invoice_delete_draft", target=f"invoice:{invoice.pk}", acting_user=acting_user)


def invoice_html(*, invoice: Invoice, cooperative) -> str:
    """The printable document with the legal mentions (a draft is marked as one)."""
    from django.template.loader import render_to_string

    return render_to_string("activity/invoice_pdf.html", invoice_document_context(invoice=invoice,
                                                                                 cooperative=cooperative))


def invoice_document_context(*, invoice: Invoice, cooperative) -> dict:
    """What the printed document and the detail page show: lines, document-level allowances and
    charges, totals (totals.py), parties as issued, delivery, VAT mentions."""
    lines = list(invoice.lines.all())
    adjustments = list(invoice.allowances_charges.all())
    totals = document_totals(lines, adjustments)
    parties = issued_parties(invoice=invoice, cooperative=cooperative)
    delivered, start, end = content.supply_dates(invoice)
    return {
        "invoice": invoice, "lines": lines, "totals": totals, "parties": parties,
        "allowances": [a for a in adjustments if not a.is_charge], "charges": [a for a in adjustments if a.is_charge],
        "has_adjustments": bool(adjustments) or any(line.has_adjustments for line in lines),
        "delivery": content.delivery_address(invoice),
        # printed only when they differ from the issue date (CGI ann. II art. 242 nonies A)
        "delivery_date": invoice.delivery_date, "period": (start, end) if start and end else None,
        "vat_mentions": content.vat_mentions(invoice, parties, [r.rate for r in totals.by_rate]),
        "currency": "EUR",
    }


def invoice_pdf(*, invoice: Invoice, cooperative) -> bytes:
    """An issued invoice or credit note: the Factur-X PDF/A-3 with its XML (facturx.py). A draft:
    a plain PDF marked as a draft, without number or XML."""
    if invoice.status == Invoice.Status.FINALISED:
        from .facturx import invoice_facturx_pdf

        return invoice_facturx_pdf(invoice=invoice, cooperative=cooperative)
    from weasyprint import HTML

    return HTML(string=invoice_html(invoice=invoice, cooperative=cooperative)).write_pdf()


class PaymentState:
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"
    LABELS = {OPEN: "à régler", PARTLY_PAID: "partiellement réglée", PAID: "réglée", OVERDUE: "en retard",
              CREDITED: "annulée par avoir"}


def _paid_and_credited(invoice: Invoice) -> tuple[Decimal, Decimal]:
    """Payments received and issued credit notes (as a positive amount incl. VAT)."""
    from django.db.models import Sum

    paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    credited = invoice.credit_notes.filter(status=Invoice.Status.FINALISED).aggregate(
        s=Sum("total_incl_vat"))["s"] or Decimal("0.00")
    return paid, -credited


def invoice_balance(invoice: Invoice) -> Decimal:
    """What the customer still owes: total incl. VAT − payments − issued credit notes."""
    paid, credited = _paid_and_credited(invoice)
    return invoice.total_incl_vat - paid - credited


def invoice_payment_state(invoice: Invoice, *, today: date | None = None) -> str:
    """Settled (paid, or cancelled by credit notes when nothing was paid), else overdue past the
    due date, else partly paid or open. A credit note alone does not make an invoice partly paid."""
    paid, credited = _paid_and_credited(invoice)
    balance = invoice.total_incl_vat - paid - credited
    if balance <= 0:
        return PaymentState.CREDITED if paid == 0 and credited > 0 else PaymentState.PAID
    today = today or timezone.localdate()
    if invoice.due_on and invoice.due_on < today:
        return PaymentState.OVERDUE
    return PaymentState.PARTLY_PAID if paid > 0 else PaymentState.OPEN


@transaction.atomic
def payment_record(*, invoice: Invoice, amount, received_on: date, method: str = "transfer", reference: str = "",
                   acting_user: Actor):
    from .models import Payment

    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALISED:
        raise AppError("payment_needs_issued_invoice", "Un règlement s'enregistre sur une facture émise.")
    try:
        amount = Decimal(str(amount))
    except InvalidOperation as exc:
        raise AppError("payment_amount_invalid", "Montant invalide.", field="amount") from exc
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
        raise AppError("payment_amount_invalid", "Le montant est positif, au centime près.", field="amount")
    if invoice.issued_on is not None and received_on < invoice.issued_on:  # issued: always dated
        raise AppError("payment_before_invoice", "Le règlement ne peut précéder la facture.", field="received_on")
    balance = invoice_balance(invoice)
    if amount > balance:
        raise AppError("payment_exceeds_balance", f"Le montant dépasse le reste dû ({balance} €).", field="amount")
    payment = Payment(invoice=invoice, amount=amount, received_on=received_on, method=method, reference=reference,
                      recorded_by=_user(acting_user))
    try:
        if "\x00" in reference:
            raise ValidationError({"reference": NO_NUL.message})
        payment.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise AppError("payment_invalid", messages[0], field=field) from exc
    payment.save()
    from .journal import ledger_post_payment

    ledger_post_payment(payment)
    audit_record(action="payment_record", target=f"invoice:{invoice.pk}", acting_user=acting_user)
    from .emission import payment_status_schedule

    payment_status_schedule(payment, acting_user=acting_user)  # 212 Encaissée where VAT is due on receipt
    return payment


RECEIVABLE_BUCKETS = ("0", "1-30", "31-60", "61-90", "90+")


def receivables(*, today: date):
    """Issued invoices not fully paid, as a queryset computed by PostgreSQL: `balance` (what is
    still due, credit notes deducted) and `bucket` (days past due: 0, 1–30, 31–60, 61–90, 90+),
    oldest due first. Filter, count and paginate it without loading every invoice."""
    from django.db.models import (
        Case,
        CharField,
        DecimalField,
        ExpressionWrapper,
        F,
        OuterRef,
        Subquery,
        Sum,
        Value,
        When,
    )
    from django.db.models.functions import Coalesce

    from .models import Payment

    money = DecimalField(max_digits=12, decimal_places=2)
    paid = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount")).values("s")
    credited = (Invoice.objects.filter(corrects=OuterRef("pk"), status=Invoice.Status.FINALISED)
                .values("corrects").annotate(s=Sum("total_incl_vat")).values("s"))
    zero = Value(Decimal("0.00"), output_field=money)
    return (Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALISED)
            .annotate(balance=ExpressionWrapper(F("total_incl_vat") - Coalesce(Subquery(paid), zero)
                                                + Coalesce(Subquery(credited), zero), output_field=money))
            .filter(balance__gt=0)
            .annotate(bucket=Case(
                When(due_on__gte=today, then=Value("0")),
                When(due_on__gte=today - timedelta(days=30), then=Value("1-30")),
                When(due_on__gte=today - timedelta(days=60), then=Value("31-60")),
                When(due_on__gte=today - timedelta(days=90), then=Value("61-90")),
                default=Value("90+"), output_field=CharField()))
            .select_related("customer", "entrepreneur")
            .order_by("due_on", "id"))


def receivables_by_bucket(queryset) -> dict[str, Decimal]:
    """What is due in each bucket, in one grouped query (every bucket present, zero if empty)."""
    from django.db.models import Sum

    totals = {row["bucket"]: row["s"] for row in queryset.order_by().values("bucket").annotate(s=Sum("balance"))}
    return {bucket: totals.get(bucket) or Decimal("0.00") for bucket in RECEIVABLE_BUCKETS}


def days_late(invoice: Invoice, *, today: date) -> int:
    """Days past the due date (0 when not yet due)."""
    return max((today - invoice.due_on).days, 0) if invoice.due_on is not None else 0


def aged_receivables(*, today: date) -> list[dict]:
    """Every row of `receivables` as a dict (invoice, balance, days late, bucket): for small
    sets and tests; pages use the queryset."""
    return [{"invoice": invoice, "balance": invoice.balance, "days_late": days_late(invoice, today=today),
             "bucket": invoice.bucket} for invoice in receivables(today=today)]

