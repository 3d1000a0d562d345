"""What an invoice says beyond its lines, checked at the edge before anything is written: where
and when the supply took place (EN 16931 BG-13/BG-15, BT-72, BG-14), its allowances and charges
(document level BG-20/BG-21, line level BG-27/BG-28), its currency (BT-5) and whether its VAT
rates suit its buyer (vat.py). Each error names the field, in French, with a stable code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from essaim.core.errors import AppError
from tenants.people.models import postal_code_validator

from .en16931 import ALLOWANCE_REASONS, CHARGE_REASONS, CURRENCY
from .models import Country, Customer, Invoice, InvoiceAllowanceCharge, InvoiceLine, VatRate
from .totals import document_totals
from .vat import needs_exemption_mention, vat_regime, vat_regime_check

# The invoice fields of this module, as `invoice_create_draft` and `invoice_update_draft` take them.
CONTENT_FIELDS = ("delivery_street", "delivery_postal_code", "delivery_city", "delivery_country", "delivery_date",
                  "period_start", "period_end", "place_of_supply_france")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AdjustmentInput:
    """A document-level allowance (`is_charge` False: a discount) or charge, excl. VAT, at one VAT
    rate; a reason text or a reason code (UNTDID 5189 / 7161, en16931.py), or both."""

    amount: Decimal | str
    reason: str = ""
    reason_code: str = ""
    vat_rate: str = VatRate.STANDARD
    is_charge: bool = False


def currency_check(currency: str) -> None:
    """BT-5: euros only (en16931.CURRENCY; the decision is in docs/activity.md)."""
    if (currency or CURRENCY).strip().upper() != CURRENCY:
        raise AppError("invoice_currency_not_eur",
                       f"Devise « {currency} » refusée : Essaim facture en euros uniquement (la comptabilité, les "
                       "règlements et les comptes d'activité sont tenus en euros). Établissez la facture en EUR ; "
                       "vous pouvez indiquer un montant indicatif dans une autre devise dans la désignation.",
                       field="currency")


def _text(value, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if "\x00" in text or any(ord(c) < 32 and c not in "\t" for c in text):
        raise AppError("invoice_field_invalid", f"{label} : caractères de contrôle refusés.", field=field)
    if len(text) > max_length:
        raise AppError("invoice_field_invalid", f"{label} : {max_length} caractères au plus.", field=field)
    return text


def document_date(value, *, field: str, label: str, code: str = "invoice_date_invalid") -> date | None:
    """A date typed for a document (ISO 8601), None when blank; its year between 2000 and 2099
    (BR-FR-03). AppError `code` in French otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise AppError(code, f"{label} : une date au format AAAA-MM-JJ.", field=field) from exc
    if not 2000 <= day.year <= 2099:  # BR-FR-03
        raise AppError(code, f"{label} : une année entre 2000 et 2099.", field=field)
    return day


def content_apply(invoice: Invoice, fields: dict) -> None:
    """Check the delivery address, dates and place of supply given in `fields` (any of
    CONTENT_FIELDS; those absent keep their value) and set them on `invoice` (unsaved)."""
    labels = {name: str(Invoice._meta.get_field(name).verbose_name).capitalize() for name in CONTENT_FIELDS}
    for name in ("delivery_street", "delivery_postal_code", "delivery_city", "delivery_country"):
        if name in fields:
            max_length = Invoice._meta.get_field(name).max_length or 200
            setattr(invoice, name, _text(fields[name], field=name, label=labels[name], max_length=max_length))
    invoice.delivery_country = invoice.delivery_country.upper()
    for name in ("delivery_date", "period_start", "period_end"):
        if name in fields:
            setattr(invoice, name, document_date(fields[name], field=name, label=labels[name]))
    if "place_of_supply_france" in fields:
        invoice.place_of_supply_france = bool(fields["place_of_supply_france"])
    _delivery_check(invoice)
    if (invoice.period_start is None) != (invoice.period_end is None):
        field = "period_end" if invoice.period_end is None else "period_start"
        raise AppError("invoice_period_incomplete", "Période facturée : indiquez sa date de début et sa date de fin.",
                       field=field)
    if invoice.period_start and invoice.period_end and invoice.period_start > invoice.period_end:
        raise AppError("invoice_period_reversed", "Période facturée : la fin ne peut précéder le début.",
                       field="period_end")


def _delivery_check(invoice: Invoice) -> None:
    """A delivery address is whole (BR-57: a country; a street and a city to be of use), its
    postal code of five digits in France."""
    given = [invoice.delivery_street, invoice.delivery_postal_code, invoice.delivery_city, invoice.delivery_country]
    if not any(given):
        return
    if invoice.delivery_country not in Country.values:
        raise AppError("invoice_delivery_invalid", "Pays de livraison : un État membre de l'Union européenne.",
                       field="delivery_country")
    for name, label in (("delivery_street", "l'adresse (voie)"), ("delivery_city", "la ville")):
        if not getattr(invoice, name):
            raise AppError("invoice_delivery_incomplete", f"Adresse de livraison : indiquez aussi {label}.", field=name)
    if invoice.delivery_country == Country.FR:
        try:
            postal_code_validator(invoice.delivery_postal_code)
        except ValidationError as exc:
            raise AppError("invoice_delivery_invalid", f"Code postal de livraison : {exc.messages[0]}",
                           field="delivery_postal_code") from exc


def _money(value, *, label: str, field: str, code: str) -> Decimal:
    text = str(value if value is not None else "").replace(",", ".").replace("€", "").strip() or "0"
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise AppError(code, f"{label} : un montant en euros, par ex. 12,50.", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise AppError(code, f"{label} : un montant positif, au centime près.", field=field)
    if amount >= Decimal("1e10"):
        raise AppError(code, f"{label} : montant trop élevé.", field=field)
    return amount


def _reason(reason: str, reason_code: str, *, is_charge: bool, label: str, field: str, code: str) -> tuple[str, str]:
    table = CHARGE_REASONS if is_charge else ALLOWANCE_REASONS
    reason = _text(reason, field=field, label=f"{label} (motif)", max_length=200)
    reason_code = _text(reason_code, field=field, label=f"{label} (code)", max_length=3).upper()
    if reason_code and reason_code not in table:
        norm = "UNTDID 7161" if is_charge else "UNTDID 5189"
        raise AppError(code, f"{label} : code de motif « {reason_code} » inconnu (liste {norm}).", field=field)
    if not reason and not reason_code:  # EN 16931 BR-33, BR-38, BR-42, BR-44
        raise AppError(code, f"{label} : indiquez un motif ou choisissez un code de motif.", field=field)
    return reason, reason_code


def line_adjustments(line, position: int) -> dict:
    """The allowance and charge fields of an InvoiceLine from a `LineInput` (services)."""
    fields: dict = {}
    for kind, is_charge, noun in (("allowance", False, "remise"), ("charge", True, "frais")):
        label = f"Ligne {position} ({noun})"
        amount = _money(getattr(line, kind, "") or "0", label=label, field="lines", code="invoice_line_invalid")
        reason, reason_code = "", ""
        if amount:
            reason, reason_code = _reason(getattr(line, f"{kind}_reason", ""), getattr(line, f"{kind}_code", ""),
                                          is_charge=is_charge, label=label, field="lines", code="invoice_line_invalid")
        fields |= {f"{kind}_amount": amount, f"{kind}_reason": reason, f"{kind}_reason_code": reason_code}
    return fields


def line_net_check(item: InvoiceLine, position: int) -> None:
    if item.amount < 0:
        raise AppError("invoice_line_invalid", f"Ligne {position} (remise) : la remise dépasse le montant de la ligne "
                       f"({item.gross_amount + item.charge_amount} € HT).", field="lines")


def adjustments_build(invoice: Invoice, adjustments: Iterable[AdjustmentInput]) -> list[InvoiceAllowanceCharge]:
    """Validated, unsaved document-level allowances and charges of `invoice`."""
    built = []
    for position, adjustment in enumerate(adjustments, start=1):
        noun = "Frais" if adjustment.is_charge else "Remise"
        label = f"{noun} {position}"
        amount = _money(adjustment.amount, label=label, field="allowances_charges", code="invoice_allowance_invalid")
        if amount <= 0:
            raise AppError("invoice_allowance_invalid", f"{label} : un montant supérieur à 0.",
                           field="allowances_charges")
        if adjustment.vat_rate not in VatRate.values:
            raise AppError("invoice_allowance_invalid", f"{label} : taux de TVA inconnu.", field="allowances_charges")
        reason, reason_code = _reason(adjustment.reason, adjustment.reason_code, is_charge=adjustment.is_charge,
                                      label=label, field="allowances_charges", code="invoice_allowance_invalid")
        built.append(InvoiceAllowanceCharge(invoice=invoice, position=position, is_charge=bool(adjustment.is_charge),
                                            amount=amount, reason=reason, reason_code=reason_code,
                                            vat_rate=adjustment.vat_rate))
    return built


def bases_check(lines: list[InvoiceLine], adjustments: list[InvoiceAllowanceCharge]) -> None:
    """No VAT rate's base below zero: a document-level allowance is at a rate the lines have, and
    no larger than what they come to at that rate."""
    for rate_total in document_totals(lines, adjustments).by_rate:
        if rate_total.base < 0:
            rate = f"{rate_total.rate.normalize():f}".replace(".", ",")
            raise AppError("invoice_allowance_exceeds_base",
                           f"Les remises au taux de TVA de {rate} % dépassent le montant HT des lignes à ce taux.",
                           field="allowances_charges")


def buyer_of(customer: Customer) -> dict:
    return {"b2b": customer.kind == Customer.Kind.COMPANY, "country": customer.country}


def vat_check(invoice: Invoice, lines: list[InvoiceLine], adjustments: list[InvoiceAllowanceCharge]) -> str:
    """The invoice's VAT regime for its customer (vat.py), refusing a French rate where none
    applies and a French exemption without its legal mention. Returns the regime."""
    regime = vat_regime(buyer=buyer_of(invoice.customer), operation=invoice.operation,
                        place_of_supply_france=invoice.place_of_supply_france,
                        delivery_country=invoice.delivery_country)
    rates = [Decimal(item.vat_rate) for item in [*lines, *adjustments]]
    vat_regime_check(regime=regime, kind=invoice.kind, rates=rates)
    if needs_exemption_mention(regime) and any(rate == 0 for rate in rates) and not invoice.exemption_mention.strip():
        raise AppError("vat_exemption_mention_required",
                       "Une ligne exonérée de TVA exige la mention légale d'exonération (ex. « TVA non applicable, "
                       "art. 293 B du CGI »).", field="exemption_mention")
    bases_check(lines, adjustments)
    return regime


# -- what the printed document and the XML say -------------------------------------------------------

def supply_dates(invoice: Invoice) -> tuple[date | None, date | None, date | None]:
    """(BT-72 delivery date, BT-73, BT-74). Without a date of its own the supply is dated its
    period's end (when the service was completed), else the issue date: the supply happened at the
    latest when it was invoiced (and the XSD wants some delivery data)."""
    delivered = invoice.delivery_date or invoice.period_end or invoice.issued_on
    return delivered, invoice.period_start, invoice.period_end


def delivery_address(invoice: Invoice) -> dict | None:
    """The structured delivery address (BG-15), with its country's name, or None."""
    if not invoice.delivery_street:
        return None
    return {"street": invoice.delivery_street, "postal_code": invoice.delivery_postal_code,
            "city": invoice.delivery_city, "country": invoice.delivery_country,
            "country_name": str(Country(invoice.delivery_country).label) if invoice.delivery_country else ""}


def vat_mentions(invoice: Invoice, parties: dict, rates: Iterable[Decimal]) -> list[str]:
    """The VAT mentions the document prints beside its own exemption mention: "Autoliquidation"
    (CGI art. 283-2), the intra-community supply's exemption (CGI art. 262 ter I), the option for
    VAT on debits (CGI art. 269-2-c) — as frozen at issue (parties.issued_vat)."""
    from .en16931 import EU_INTRA_COMMUNITY_SUPPLY, EU_REVERSE_CHARGE, MENTION_VAT_ON_DEBITS
    from .parties import issued_vat
    from .vat import LEGACY, on_debits_applies, treatment

    vat = issued_vat(parties)
    rates = [Decimal(rate) for rate in rates]
    mentions = []
    if vat["regime"] != LEGACY:
        used = {treatment(vat["regime"], rate).key for rate in rates}
        mentions += [t.printed for t in (EU_REVERSE_CHARGE, EU_INTRA_COMMUNITY_SUPPLY) if t.key in used]
    if on_debits_applies(on_debits=vat["on_debits"], operation=invoice.operation, rates=rates):
        mentions.append(MENTION_VAT_ON_DEBITS)
    return mentions
