"""The three-year business plan of a new CAE: pure arithmetic on Decimal, no database.

Definitions (docs/onboarding.md, "Le plan d'affaires"):

- contribution of one entrepreneur with yearly revenue R (excl. VAT):
  * flat rate t: c(R) = R × t / 100;
  * tiered: bands (l₀ = 0 < l₁ < … < lₖ) with rates t₀ … tₖ; each rate applies to the part of R
    inside its band, like the income tax: c(R) = Σᵢ tᵢ/100 × max(0, min(R, lᵢ₊₁) − lᵢ), with
    lₖ₊₁ = +∞. With 10 % up to 35 k€, 8 % from 35 k€ and 6 % from 45 k€, R = 50 000 gives
    3 500 + 800 + 300 = 4 600;
  c(R) is rounded to the cent (ROUND_HALF_UP) once, after the sum;
- every entrepreneur of a year is assumed to earn that year's average revenue: contribution
  income = N × c(average revenue) (a tiered scheme applied to the average, not to a
  distribution: the plan states it that way);
- result = contribution income + subsidies − staff costs − other costs;
- cash at the end of a year = cash at its start + result (year 1 starts with the opening cash);
- break-even number of entrepreneurs of a year: the smallest integer N ≥ 0 with
  N × c(average revenue) + subsidies − costs ≥ 0, everything else unchanged; None when no N
  reaches it (c = 0 and a deficit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from essaim.core.money import cents as _cents

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class YearInputs:
    entrepreneurs: int
    average_revenue: Decimal
    staff_costs: Decimal
    other_costs: Decimal
    subsidies: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class PlanInputs:
    years: tuple[YearInputs, ...]
    first_year: int = 2027
    opening_cash: Decimal = Decimal("0.00")
    rate_mode: str = "flat"  # "flat" | "tiered"
    flat_rate: Decimal = Decimal("10.00")
    bands: tuple[tuple[Decimal, Decimal], ...] = field(default_factory=tuple)  # (lower bound, rate %)


@dataclass(frozen=True)
class YearFigures:
    index: int
    year: int
    entrepreneurs: int
    average_revenue: Decimal
    revenue: Decimal
    contribution_per_entrepreneur: Decimal
    contribution_income: Decimal
    subsidies: Decimal
    staff_costs: Decimal
    other_costs: Decimal
    costs: Decimal
    result: Decimal
    cash_start: Decimal
    cash_end: Decimal
    break_even: int | None


def contribution(revenue: Decimal, *, rate_mode: str, flat_rate: Decimal,
                 bands: tuple[tuple[Decimal, Decimal], ...]) -> Decimal:
    """What one entrepreneur with `revenue` pays in a year (see the module's docstring)."""
    if rate_mode == "flat":
        return _cents(revenue * flat_rate / HUNDRED)
    ordered = sorted(bands)
    total = Decimal("0")
    for i, (lower, rate) in enumerate(ordered):
        upper = ordered[i + 1][0] if i + 1 < len(ordered) else None
        top = revenue if upper is None else min(revenue, upper)
        if top > lower:
            total += (top - lower) * rate / HUNDRED
    return _cents(total)


def break_even(*, per_entrepreneur: Decimal, subsidies: Decimal, costs: Decimal) -> int | None:
    gap = costs - subsidies
    if gap <= 0:
        return 0
    if per_entrepreneur <= 0:
        return None
    return int((gap / per_entrepreneur).to_integral_value(rounding=ROUND_CEILING))


def compute(plan: PlanInputs) -> list[YearFigures]:
    figures = []
    cash = _cents(plan.opening_cash)
    for index, year in enumerate(plan.years, start=1):
        per = contribution(year.average_revenue, rate_mode=plan.rate_mode, flat_rate=plan.flat_rate,
                           bands=plan.bands)
        income = per * year.entrepreneurs
        costs = year.staff_costs + year.other_costs
        result = income + year.subsidies - costs
        figures.append(YearFigures(
            index=index, year=plan.first_year + index - 1, entrepreneurs=year.entrepreneurs,
            average_revenue=year.average_revenue, revenue=_cents(year.average_revenue * year.entrepreneurs),
            contribution_per_entrepreneur=per, contribution_income=income, subsidies=year.subsidies,
            staff_costs=year.staff_costs, other_costs=year.other_costs, costs=costs, result=result,
            cash_start=cash, cash_end=cash + result,
            break_even=break_even(per_entrepreneur=per, subsidies=year.subsidies, costs=costs),
        ))
        cash = cash + result
    return figures


# The rows of the table, the CSV and the XLSX, in this order (one column per year).
ROWS: list[tuple[str, str]] = [
    ("entrepreneurs", "Entrepreneurs accueillis"),
    ("average_revenue", "Chiffre d'affaires moyen par entrepreneur (€)"),
    ("revenue", "Chiffre d'affaires des activités (€)"),
    ("contribution_per_entrepreneur", "Contribution par entrepreneur (€)"),
    ("contribution_income", "Produit de la contribution coopérative (€)"),
    ("subsidies", "Subventions (€)"),
    ("staff_costs", "Charges de personnel (€)"),
    ("other_costs", "Autres charges (€)"),
    ("result", "Résultat (€)"),
    ("cash_start", "Trésorerie en début d'année (€)"),
    ("cash_end", "Trésorerie en fin d'année (€)"),
    ("break_even", "Point mort (entrepreneurs)"),
]
