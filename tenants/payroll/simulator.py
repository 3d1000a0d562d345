"""The entrepreneur's simulator: "if I pay myself X gross (or an envelope of Y), my account lasts
N months".

From the activity account: the balance available now (this year's statement, through the
current month, closed salaries deducted) and the average monthly margin before salary over the
last 12 complete months (revenue on the CAE's basis − contribution − expenses; months without
activity count as zero, which errs on the prudent side). Each month the account then moves by
margin − total employer cost of the chosen pay, computed as this month's run would compute it:
the SMIC reference prorated to the contract's weekly hours and the year so far from the closed
runs (so a part-timer's RGDU is a part-timer's, and the annual regularisation is counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from essaim.core.errors import AppError
from essaim.payrates.selectors import rates_for

from .engine import Ytd, gross_for_envelope, payslip_compute
from .selectors import payroll_settings_engine

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("100000")
MONTHS_FR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


@dataclass(frozen=True)
class Simulation:
    balance: Decimal
    average_margin: Decimal
    gross: Decimal
    net_before_tax: Decimal
    rgdu: Decimal  # this month's, the year's regularisation included
    cost: Decimal
    monthly_change: Decimal  # margin − cost
    lasts_months: int | None  # None: the account does not run out
    projection: list[tuple[str, Decimal]]
    fixed_gross: Decimal | None
    below_fixed: bool
    weekly_hours: Decimal | None  # the contract's, None without a CESA this month
    smic_reference: Decimal  # this month's, for the RGDU


def amount_parse(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number.as_tuple().exponent < -2 or not 0 < number <= MAX_AMOUNT:
        raise AppError("simulator_amount_invalid", "Montant invalide : un nombre d'euros positif, au centime près "
                       "(ex. 1850 ou 1850,50).", field=field)
    return number


def _margins(person_id: int, today: date) -> tuple[Decimal, Decimal]:
    """(balance now, average margin before salary over the last 12 complete months)."""
    from tenants.activity.account import account_statements

    this_year = account_statements(entrepreneur_ids=[person_id], year=today.year)[person_id]
    last_year = account_statements(entrepreneur_ids=[person_id], year=today.year - 1)[person_id]
    months = [*last_year, *this_year][today.month - 1: today.month - 1 + 12]
    margin = sum((m.net + m.salary_cost for m in months), ZERO) / 12
    return this_year[today.month - 1].balance, margin.quantize(Decimal("0.01"))


def _contract(person_id: int, today: date):
    """The person's CESA in force this month, with the pay of its latest amendment (or None)."""
    from .runs import _contracts

    contracts = _contracts(today.replace(day=1), today, entrepreneur_id=person_id)  # not the whole CAE's
    return contracts[0] if contracts else None


def simulate(*, entrepreneur, today: date, gross=None, envelope=None, months: int = 24) -> Simulation:
    if (gross is None) == (envelope is None):
        raise AppError("simulator_mode", "Indiquez soit un salaire brut, soit une enveloppe.", field="amount")
    if not 1 <= int(months) <= 60:
        raise AppError("simulator_months_invalid", "La projection porte sur 1 à 60 mois.", field="months")
    from .runs import smic_reference_for, year_to_date

    rates, cae = rates_for(today), payroll_settings_engine()
    contract = _contract(entrepreneur.pk, today)
    hours = contract.pay_hours if contract is not None else None
    # As the month's run computes it: the SMIC reference for the contract's hours (a whole month),
    # and the year so far from the closed runs.
    smic = smic_reference_for(rates, hours)
    ytd = year_to_date(today.replace(day=1), [entrepreneur.pk]).get(entrepreneur.pk, Ytd())
    if gross is not None:
        slip = payslip_compute(gross=amount_parse(gross, "amount"), rates=rates, settings=cae, ytd=ytd,
                               smic_reference=smic)
    else:
        slip = gross_for_envelope(envelope=amount_parse(envelope, "amount"), rates=rates, settings=cae, ytd=ytd,
                                  smic_reference=smic).payslip
    balance, margin = _margins(entrepreneur.pk, today)
    change = margin - slip.total_cost
    lasts = None if change >= 0 else max(0, int(balance // -change)) if balance > 0 else 0
    projection = []
    for k in range(int(months) + 1):
        index = today.month - 1 + k
        label = f"{MONTHS_FR[index % 12]} {str(today.year + index // 12)[2:]}"
        projection.append((label, balance + change * k))
    fixed = contract.pay_gross if contract is not None else None
    return Simulation(balance=balance, average_margin=margin, gross=slip.gross, net_before_tax=slip.net_before_tax,
                      rgdu=slip.rgdu, cost=slip.total_cost, monthly_change=change, lasts_months=lasts,
                      projection=projection, fixed_gross=fixed, below_fixed=fixed is not None and slip.gross < fixed,
                      weekly_hours=hours, smic_reference=slip.smic_reference)
