"""Invoice totals: each line rounded to the cent, VAT computed per rate on the rate's base."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from essaim.core.money import cents


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    by_rate: tuple[RateTotal, ...]
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return cents(Decimal(quantity) * Decimal(unit_price))


def compute_totals(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Totals:
    """`lines` are (quantity, unit price excl. VAT, VAT rate in %)."""
    bases: dict[Decimal, Decimal] = {}
    for quantity, unit_price, rate in lines:
        rate = Decimal(rate)
        bases[rate] = bases.get(rate, Decimal("0.00")) + line_amount(quantity, unit_price)
    by_rate = tuple(RateTotal(rate, base, cents(base * rate / 100)) for rate, base in sorted(bases.items(), reverse=True))
    excl = sum((r.base for r in by_rate), Decimal("0.00"))
    vat = sum((r.vat for r in by_rate), Decimal("0.00"))
    return Totals(by_rate, excl, vat, excl + vat)
