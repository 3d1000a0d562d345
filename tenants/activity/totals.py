"""Invoice totals (EN 16931 BG-22), each amount to the cent, half up:

- a line's net amount (BT-131) = quantity × unit price, rounded, − its allowance (BT-136) + its
  charge (BT-141);
- sum of the lines (BT-106); document-level allowances (BT-107) and charges (BT-108);
- total excl. VAT (BT-109) = BT-106 − BT-107 + BT-108 (BR-CO-13);
- per VAT rate, the base (BT-116) = the rate's line nets − its allowances + its charges (BR-S-08),
  its VAT (BT-117) = base × rate, rounded per rate; total VAT (BT-110) = Σ BT-117 (BR-CO-14);
- total incl. VAT (BT-112) = BT-109 + BT-110 (BR-CO-15)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from essaim.core.money import cents

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    by_rate: tuple[RateTotal, ...]
    excl_vat: Decimal  # BT-109
    vat: Decimal  # BT-110
    incl_vat: Decimal  # BT-112
    lines: Decimal = ZERO  # BT-106
    allowances: Decimal = ZERO  # BT-107
    charges: Decimal = ZERO  # BT-108


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price, to the cent (a line before its own allowance and charge)."""
    return cents(Decimal(quantity) * Decimal(unit_price))


def line_net(quantity: Decimal, unit_price: Decimal, allowance: Decimal | int = 0, charge: Decimal | int = 0) -> Decimal:
    """BT-131: quantity × unit price, to the cent, − the line's allowance + its charge."""
    return line_amount(quantity, unit_price) - cents(Decimal(allowance)) + cents(Decimal(charge))


def compute_totals(lines: Iterable[tuple], *, allowances: Iterable[tuple[Decimal, Decimal]] = (),
                   charges: Iterable[tuple[Decimal, Decimal]] = ()) -> Totals:
    """`lines` are (quantity, unit price excl. VAT, VAT rate in %), optionally followed by the
    line's allowance and charge; `allowances` and `charges` are the document's, as (amount, rate)."""
    bases: dict[Decimal, Decimal] = {}
    line_total = ZERO
    for quantity, unit_price, rate, *adjustments in lines:
        rate = Decimal(rate)
        net = line_net(quantity, unit_price, *adjustments)
        bases[rate] = bases.get(rate, ZERO) + net
        line_total += net
    allowance_total = charge_total = ZERO
    for amount, rate in allowances:
        rate = Decimal(rate)
        bases[rate] = bases.get(rate, ZERO) - cents(Decimal(amount))
        allowance_total += cents(Decimal(amount))
    for amount, rate in charges:
        rate = Decimal(rate)
        bases[rate] = bases.get(rate, ZERO) + cents(Decimal(amount))
        charge_total += cents(Decimal(amount))
    by_rate = tuple(RateTotal(rate, base, cents(base * rate / 100)) for rate, base in sorted(bases.items(), reverse=True))
    excl = line_total - allowance_total + charge_total
    vat = sum((r.vat for r in by_rate), ZERO)
    return Totals(by_rate, excl, vat, excl + vat, line_total, allowance_total, charge_total)


def document_totals(lines: Iterable, adjustments: Iterable = ()) -> Totals:
    """The totals of invoice lines (model instances, saved or not) and document-level allowances
    and charges (`InvoiceAllowanceCharge`)."""
    adjustments = list(adjustments)
    return compute_totals(
        ((line.quantity, line.unit_price, Decimal(line.vat_rate), getattr(line, "allowance_amount", 0),
          getattr(line, "charge_amount", 0)) for line in lines),
        allowances=[(a.amount, Decimal(a.vat_rate)) for a in adjustments if not a.is_charge],
        charges=[(a.amount, Decimal(a.vat_rate)) for a in adjustments if a.is_charge])


def invoice_totals(invoice) -> Totals:
    """An invoice's or credit note's totals, positive (a credit note's sign is its kind's), from
    its lines and its document-level allowances and charges."""
    return document_totals(invoice.lines.all(), invoice.allowances_charges.all())


def payment_split(amount: Decimal, totals: Totals) -> list[tuple[Decimal, Decimal]]:
    """A payment (VAT included) split over a document's VAT rates in proportion to each rate's
    total including VAT, to the cent, half up; the last rate takes the remainder so the parts add
    up to the payment (the 212 Encaissée status and the flux 10.2/10.4 payment data per rate)."""
    parts = [(rt.rate, rt.base + rt.vat) for rt in totals.by_rate if rt.base + rt.vat]
    grand = sum((part for _, part in parts), ZERO)
    if not grand:
        return []
    result, left = [], Decimal(amount)
    for index, (rate, part) in enumerate(parts):
        share = left if index == len(parts) - 1 else cents(Decimal(amount) * part / grand)
        result.append((rate, share))
        left -= share
    return result
