"""Writes on quotes (devis): drafted and edited freely; sent with the next number of their own
series (`D2026-00001` under the yearly policy) under the row lock of `NumberSeries`, then frozen;
accepted or refused; an accepted quote becomes an invoice draft once.

Lines are validated and totalled exactly as an invoice's (`services.lines_build`, `totals.py`),
so the invoice made from a quote has the same totals to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import QUOTE_VALIDITY_DAYS, Customer, Invoice, NumberSeries, Quote, QuoteLine
from .services import LineInput, _user, exemption_check, invoice_create_draft, lines_build, series_key
from .totals import compute_totals

QUOTE_PREFIX = "D"


def _check_customer(entrepreneur, customer: Customer) -> None:
    if customer.entrepreneur_id != entrepreneur.pk:
        raise AppError("customer_of_another_activity", "Ce client appartient à une autre activité.", field="customer")


def _store_totals(quote: Quote, lines: list[QuoteLine]) -> None:
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in lines)
    quote.total_excl_vat, quote.total_vat, quote.total_incl_vat = totals.excl_vat, totals.vat, totals.incl_vat
    quote.save(update_fields=["total_excl_vat", "total_vat", "total_incl_vat"])


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().get(pk=quote.pk)


@transaction.atomic
def quote_create(*, entrepreneur, customer: Customer, lines: list[LineInput], subject: str = "",
                 valid_until: date | None = None, operation: str = Invoice.Operation.SERVICES,
                 exemption_mention: str = "", acting_user: Actor) -> Quote:
    _check_customer(entrepreneur, customer)
    quote = Quote(entrepreneur=entrepreneur, customer=customer, subject=subject.strip(), valid_until=valid_until,
                  operation=operation, exemption_mention=exemption_mention.strip(), created_by=_user(acting_user))
    built = lines_build(lines, line_model=QuoteLine, document="quote", quote=quote)
    exemption_check(quote, built)
    quote.save()
    QuoteLine.objects.bulk_create(built)
    _store_totals(quote, built)
    audit_record(action="quote_create", target=f"quote:{quote.pk}", acting_user=acting_user)
    return quote


@transaction.atomic
def quote_update_draft(*, quote: Quote, lines: list[LineInput], acting_user: Actor, **fields) -> Quote:
    """Replace a draft's lines and the fields given (customer, subject, valid_until, operation,
    exemption_mention). A sent quote is frozen."""
    quote = _locked(quote)
    if quote.status != Quote.Status.DRAFT:
        raise AppError("quote_not_draft", f"Le devis {quote.number} est envoyé : il ne se modifie plus. "
                       "Établissez un nouveau devis.")
    if "customer" in fields:
        _check_customer(quote.entrepreneur, fields["customer"])
    for name in ("customer", "subject", "valid_until", "operation", "exemption_mention"):
        if name in fields:
            value = fields[name]
            setattr(quote, name, value.strip() if isinstance(value, str) else value)
    built = lines_build(lines, line_model=QuoteLine, document="quote", quote=quote)
    exemption_check(quote, built)
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create(built)
    quote.save(update_fields=["customer", "subject", "valid_until", "operation", "exemption_mention"])
    _store_totals(quote, built)
    audit_record(action="quote_update_draft", target=f"quote:{quote.pk}", acting_user=acting_user)
    return quote


@transaction.atomic
def quote_delete(*, quote: Quote, acting_user: Actor) -> None:
    quote = _locked(quote)
    if quote.status != Quote.Status.DRAFT:
        raise AppError("quote_not_draft", "Un devis envoyé ne se supprime pas : il reste dans sa série.")
    pk = quote.pk
    quote.delete()
    audit_record(action="quote_delete_draft", target=f"quote:{pk}", acting_user=acting_user)


@transaction.atomic
def quote_send(*, quote: Quote, on: date | None = None, acting_user: Actor) -> Quote:
    """Give the next number of the quote series (gapless, chronological, as for invoices), fix
    the validity date (the draft's, else `on` + QUOTE_VALIDITY_DAYS) and freeze the quote."""
    quote = _locked(quote)
    if quote.status != Quote.Status.DRAFT:
        raise AppError("quote_already_sent", f"Le devis {quote.number} est déjà envoyé.")
    on = on or timezone.localdate()
    valid_until = quote.valid_until or on + timedelta(days=QUOTE_VALIDITY_DAYS)
    if valid_until < on:
        raise AppError("quote_validity_before_issue", f"La date de validité ({valid_until:%d/%m/%Y}) précède la "
                       f"date d'envoi ({on:%d/%m/%Y}).", field="valid_until")
    key, prefix = series_key(quote, on, prefix=QUOTE_PREFIX)
    series, _ = NumberSeries.objects.get_or_create(key=key)
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    last = (Quote.objects.filter(number__startswith=prefix).exclude(status=Quote.Status.DRAFT)
            .order_by("-issued_on").values_list("issued_on", flat=True).first())
    if last and on < last:
        raise AppError("quote_backdated", f"La date d'envoi ne peut précéder la dernière de la série "
                       f"({last:%d/%m/%Y}) : la numérotation est chronologique.", field="issued_on")
    quote.number = f"{prefix}{series.next_value:05d}"
    series.next_value += 1
    series.save(update_fields=["next_value"])
    quote.status, quote.issued_on, quote.valid_until, quote.sent_at = Quote.Status.SENT, on, valid_until, timezone.now()
    quote.save(update_fields=["number", "status", "issued_on", "valid_until", "sent_at"])
    audit_record(action="quote_send", target=f"quote:{quote.pk}", acting_user=acting_user,
                 details={"number": quote.number})
    return quote


def _decide(quote: Quote, on: date | None, status: str, acting_user: Actor) -> Quote:
    quote = _locked(quote)
    if quote.status == Quote.Status.DRAFT:
        raise AppError("quote_not_sent", "Un devis s'accepte ou se refuse une fois envoyé.")
    if quote.status != Quote.Status.SENT:
        raise AppError("quote_already_decided", f"Le devis {quote.number} est déjà {quote.get_status_display().lower()}.")
    on = on or timezone.localdate()
    if on < quote.issued_on:
        raise AppError("quote_decided_before_sent", "La réponse du client ne peut précéder l'envoi du devis.",
                       field="decided_on")
    if status == Quote.Status.ACCEPTED and on > quote.valid_until:
        raise AppError("quote_expired", f"Le devis {quote.number} a expiré le {quote.valid_until:%d/%m/%Y} : "
                       "établissez un nouveau devis.", field="decided_on")
    quote.status, quote.decided_on, quote.decided_at = status, on, timezone.now()
    quote.save(update_fields=["status", "decided_on", "decided_at"])
    audit_record(action=f"quote_{status}", target=f"quote:{quote.pk}", acting_user=acting_user)
    return quote


@transaction.atomic
def quote_accept(*, quote: Quote, on: date | None = None, acting_user: Actor) -> Quote:
    """The customer accepted (on `on`, within the validity)."""
    return _decide(quote, on, Quote.Status.ACCEPTED, acting_user)


@transaction.atomic
def quote_refuse(*, quote: Quote, on: date | None = None, acting_user: Actor) -> Quote:
    """The customer refused (an expired quote can still be marked refused)."""
    return _decide(quote, on, Quote.Status.REFUSED, acting_user)


@transaction.atomic
def quote_convert(*, quote: Quote, acting_user: Actor) -> Invoice:
    """An invoice draft with the accepted quote's customer, nature, exemption mention and lines,
    linked to the quote. Once only (the quote row is locked; deleting that draft frees the quote)."""
    quote = _locked(quote)
    if quote.status != Quote.Status.ACCEPTED:
        raise AppError("quote_not_accepted", "Seul un devis accepté se transforme en facture.")
    if quote.invoice_id is not None:
        invoice = Invoice.objects.get(pk=quote.invoice_id)
        raise AppError("quote_already_converted", f"Ce devis a déjà été transformé en facture ({invoice}).")
    lines = [LineInput(line.description, line.quantity, line.unit_price, line.vat_rate, line.unit)
             for line in quote.lines.all()]
    invoice = invoice_create_draft(entrepreneur=quote.entrepreneur, customer=quote.customer, lines=lines,
                                   operation=quote.operation, exemption_mention=quote.exemption_mention,
                                   acting_user=acting_user)
    quote.invoice = invoice
    quote.save(update_fields=["invoice"])
    audit_record(action="quote_convert", target=f"quote:{quote.pk}", acting_user=acting_user,
                 details={"invoice": invoice.pk})
    return invoice


def quote_pdf(*, quote: Quote, cooperative) -> bytes:
    """The sent quote as PDF (WeasyPrint), like the invoice's."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    lines = list(quote.lines.all())
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in lines)
    html = render_to_string("activity/quote_pdf.html", {"quote": quote, "lines": lines, "totals": totals,
                                                         "cooperative": cooperative})
    return HTML(string=html).write_pdf()
