"""The activity account: per entrepreneur and month, revenue invoiced and collected (excl. VAT),
the cooperative contribution (at the rate in force on each invoice's or payment's date, see
contributions.py), expenses, salary cost (payroll, later) and the balance available.
Revenue invoiced reconciles to the cent with the 706/707 accounts of the journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from essaim.core.money import cents

from .contributions import contribution_rate_on, rate_schedule
from .models import ActivitySettings, ExpenseClaim, ExpenseLine, Invoice, Payment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Month:
    month: int
    invoiced: Decimal
    collected: Decimal
    contribution: Decimal
    expenses: Decimal
    salary_cost: Decimal
    net: Decimal
    balance: Decimal


def contribution_rate(on: date | None = None) -> Decimal:
    """The CAE's rate (per cent) in force on `on` (today by default)."""
    from django.utils import timezone

    return contribution_rate_on(on or timezone.localdate())


def _contribution(bases: dict[Decimal, Decimal]) -> Decimal:
    """The contribution of a month whose basis is split by the rate in force: each part rounded
    to the cent, then its contribution (one rate: exactly cents(basis × rate))."""
    return sum((cents(cents(amount) * rate / 100) for rate, amount in bases.items()), ZERO)


def account_statement(*, entrepreneur, year: int) -> list[Month]:
    """Each invoice's (invoiced basis) or payment's (collected basis) contribution is at the rate
    in force on its own date: a rate changed on the 15th applies from the 15th."""
    schedule = rate_schedule()
    invoiced: dict[int, Decimal] = {}
    invoiced_by_rate: dict[int, dict[Decimal, Decimal]] = {}
    for day, excl in (Invoice.objects.filter(entrepreneur=entrepreneur, status="finalised", issued_on__year=year)
                      .values_list("issued_on", "total_excl_vat")):
        invoiced[day.month] = invoiced.get(day.month, ZERO) + excl
        by_rate = invoiced_by_rate.setdefault(day.month, {})
        rate = schedule.on(day)
        by_rate[rate] = by_rate.get(rate, ZERO) + excl
    collected: dict[int, Decimal] = {}
    collected_by_rate: dict[int, dict[Decimal, Decimal]] = {}
    for day, amount, excl, incl in (Payment.objects.filter(invoice__entrepreneur=entrepreneur,
                                                            received_on__year=year)
                                    .values_list("received_on", "amount", "invoice__total_excl_vat",
                                                 "invoice__total_incl_vat")):
        share = amount * excl / incl if incl else ZERO
        collected[day.month] = collected.get(day.month, ZERO) + share
        by_rate = collected_by_rate.setdefault(day.month, {})
        rate = schedule.on(day)
        by_rate[rate] = by_rate.get(rate, ZERO) + share
    expenses: dict[int, Decimal] = {}
    for month, amount, vat in (ExpenseLine.objects.filter(
            claim__entrepreneur=entrepreneur, claim__decided_at__year=year,
            claim__status__in=[ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.REIMBURSED])
            .values_list("claim__decided_at__month", "amount_incl_vat", "vat_amount")):
        expenses[month] = expenses.get(month, ZERO) + amount - vat
    basis_is_collected = ActivitySettings.current().contribution_basis == ActivitySettings.ContributionBasis.COLLECTED
    by_rate = collected_by_rate if basis_is_collected else invoiced_by_rate
    balance = ZERO
    months = []
    for month in range(1, 13):
        inv, col = cents(invoiced.get(month, ZERO)), cents(collected.get(month, ZERO))
        contribution = _contribution(by_rate.get(month, {}))
        basis = col if basis_is_collected else inv
        exp = cents(expenses.get(month, ZERO))
        net = basis - contribution - exp
        balance += net
        months.append(Month(month, inv, col, contribution, exp, ZERO, net, balance))
    return months
