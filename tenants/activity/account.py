"""The activity account: per entrepreneur and month, revenue invoiced and collected (excl. VAT),
the cooperative contribution (at the rate in force on each invoice's or payment's date, see
contributions.py), expenses, salary cost (the total employer cost of closed payroll runs, in the run's month) and
the balance available.
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


def _salary_costs(*, year: int, entrepreneur_ids) -> dict[tuple[int, int], Decimal]:
    """(entrepreneur id, month) → total employer cost of the closed payroll runs of the year.

    Read through the app registry, as people.services.first_revenue_on reads invoices: the
    activity app does not import the payroll app (which reads the activity accounts), and without
    payroll installed the salary cost is zero."""
    from django.apps import apps
    from django.db.models import Sum

    if not apps.is_installed("tenants.payroll"):
        return {}
    lines = apps.get_model("payroll", "PayrollLine").objects.filter(run__state="closed", run__month__year=year)
    if entrepreneur_ids is not None:
        lines = lines.filter(entrepreneur_id__in=entrepreneur_ids)
    return {(person, month.month): cost for person, month, cost in
            lines.values("entrepreneur_id", "run__month").annotate(cost=Sum("total_cost")).order_by()
            .values_list("entrepreneur_id", "run__month", "cost")}


def account_statement(*, entrepreneur, year: int) -> list[Month]:
    """Each invoice's (invoiced basis) or payment's (collected basis) contribution is at the rate
    in force on its own date: a rate changed on the 15th applies from the 15th."""
    return account_statements(entrepreneur_ids=[entrepreneur.pk], year=year)[entrepreneur.pk]


def account_statements(*, entrepreneur_ids, year: int) -> dict[int, list[Month]]:
    """The statements of several activities (all of them with `entrepreneur_ids=None`) in a fixed
    number of queries, whatever their number: the payroll run reads every account at once."""
    schedule = rate_schedule()

    def scoped(qs, field):
        return qs if entrepreneur_ids is None else qs.filter(**{f"{field}__in": entrepreneur_ids})

    def add(table, key, amount):
        table[key] = table.get(key, ZERO) + amount

    invoiced: dict[tuple[int, int], Decimal] = {}
    invoiced_by_rate: dict[tuple[int, int], dict[Decimal, Decimal]] = {}
    for person, day, excl in scoped(Invoice.objects.filter(status="finalised", issued_on__year=year),
                                    "entrepreneur_id").values_list("entrepreneur_id", "issued_on", "total_excl_vat"):
        add(invoiced, (person, day.month), excl)
        add(invoiced_by_rate.setdefault((person, day.month), {}), schedule.on(day), excl)
    collected: dict[tuple[int, int], Decimal] = {}
    collected_by_rate: dict[tuple[int, int], dict[Decimal, Decimal]] = {}
    for person, day, amount, excl, incl in (scoped(Payment.objects.filter(received_on__year=year),
                                                   "invoice__entrepreneur_id")
                                            .values_list("invoice__entrepreneur_id", "received_on", "amount",
                                                         "invoice__total_excl_vat", "invoice__total_incl_vat")):
        share = amount * excl / incl if incl else ZERO
        add(collected, (person, day.month), share)
        add(collected_by_rate.setdefault((person, day.month), {}), schedule.on(day), share)
    expenses: dict[tuple[int, int], Decimal] = {}
    for person, month, amount, vat in (scoped(ExpenseLine.objects.filter(
            claim__decided_at__year=year,
            claim__status__in=[ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.REIMBURSED]),
            "claim__entrepreneur_id")
            .values_list("claim__entrepreneur_id", "claim__decided_at__month", "amount_incl_vat", "vat_amount")):
        add(expenses, (person, month), amount - vat)
    salaries = _salary_costs(year=year, entrepreneur_ids=entrepreneur_ids)
    basis_is_collected = ActivitySettings.current().contribution_basis == ActivitySettings.ContributionBasis.COLLECTED
    by_rate = collected_by_rate if basis_is_collected else invoiced_by_rate
    people = (entrepreneur_ids if entrepreneur_ids is not None
              else {key[0] for table in (invoiced, collected, expenses, salaries) for key in table})
    statements = {}
    for person in people:
        balance = ZERO
        months = []
        for month in range(1, 13):
            key = (person, month)
            inv, col = cents(invoiced.get(key, ZERO)), cents(collected.get(key, ZERO))
            contribution = _contribution(by_rate.get(key, {}))
            basis = col if basis_is_collected else inv
            exp = cents(expenses.get(key, ZERO))
            salary = salaries.get(key, ZERO)
            net = basis - contribution - exp - salary
            balance += net
            months.append(Month(month, inv, col, contribution, exp, salary, net, balance))
        statements[person] = months
    return statements
