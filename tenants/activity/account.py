"""The activity account: per entrepreneur and month, revenue invoiced and collected (excl. VAT),
the cooperative contribution, expenses, salary cost (payroll, later) and the balance available.
Revenue invoiced reconciles to the cent with the 706/707 accounts of the journal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import ExtractMonth

from essaim.core.money import cents

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


def contribution_rate() -> Decimal:
    """The CAE's rate (per cent), from its registry row."""
    return Decimal(getattr(connection.tenant, "contribution_rate", Decimal("10.00")))


def account_statement(*, entrepreneur, year: int) -> list[Month]:
    invoiced = dict(Invoice.objects.filter(entrepreneur=entrepreneur, status="finalised", issued_on__year=year)
                    .annotate(m=ExtractMonth("issued_on")).values_list("m").annotate(s=Sum("total_excl_vat"))
                    .order_by())
    collected: dict[int, Decimal] = {}
    for month, amount, excl, incl in (Payment.objects.filter(invoice__entrepreneur=entrepreneur,
                                                              received_on__year=year)
                                      .values_list("received_on__month", "amount", "invoice__total_excl_vat",
                                                   "invoice__total_incl_vat")):
        collected[month] = collected.get(month, ZERO) + (amount * excl / incl if incl else ZERO)
    expenses: dict[int, Decimal] = {}
    for month, amount, vat in (ExpenseLine.objects.filter(
            claim__entrepreneur=entrepreneur, claim__decided_at__year=year,
            claim__status__in=[ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.REIMBURSED])
            .values_list("claim__decided_at__month", "amount_incl_vat", "vat_amount")):
        expenses[month] = expenses.get(month, ZERO) + amount - vat
    basis_is_collected = ActivitySettings.current().contribution_basis == ActivitySettings.ContributionBasis.COLLECTED
    rate = contribution_rate()
    balance = ZERO
    months = []
    for month in range(1, 13):
        inv, col = cents(invoiced.get(month, ZERO)), cents(collected.get(month, ZERO))
        basis = col if basis_is_collected else inv
        contribution = cents(basis * rate / 100)
        exp = cents(expenses.get(month, ZERO))
        net = basis - contribution - exp
        balance += net
        months.append(Month(month, inv, col, contribution, exp, ZERO, net, balance))
    return months
