"""Payroll arithmetic for a non-executive employee in mainland France: gross → contributions →
RGDU → net → withholding tax → cost, and back from an envelope (total employer cost) to a gross.

Pure functions: no database, no settings module. Every number comes from the `RateSet` (the rate
table in force, payrates/rateset.py) or from the CAE's `CaeSettings`; every rate is a fraction
(Decimal("0.13") for 13 %). Each amount is rounded to the cent as on a payslip (the table's rounding
rule, half up in 2026): each base, then each line, then the totals are plain sums of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from essaim.core.errors import AppError
from essaim.payrates.rateset import BLOCKS, HEADCOUNT_BANDS, Line, RateSet

ZERO = Decimal(0)
CENT = Decimal("0.01")
HEALTH_COVER_MODES = ("none", "amount", "pmss_rate")
SECANT_STEPS = 8


@dataclass(frozen=True)
class CaeSettings:
    """What the engine needs from a CAE's payroll settings (tenants/payroll/models.py)."""

    headcount_band: str  # one of payrates.rateset.HEADCOUNT_BANDS
    atmp_rate: Decimal | None = None  # None: the national average of the rate table
    health_cover: str = "none"  # none | amount (€ a month) | pmss_rate (fraction of the PMSS)
    health_employer: Decimal = ZERO
    health_employee: Decimal = ZERO


@dataclass(frozen=True)
class Ytd:
    """The year so far, before this month: cumulative gross, SMIC reference and RGDU granted."""

    gross: Decimal = ZERO
    smic_reference: Decimal = ZERO
    rgdu: Decimal = ZERO


@dataclass(frozen=True)
class PayslipLine:
    code: str
    label: str
    block: str
    fund: str  # who collects it (the rate table's `fund`)
    base: Decimal | None  # None for health cover paid as fixed amounts
    employee_rate: Decimal | None
    employee_amount: Decimal
    employer_rate: Decimal | None
    employer_amount: Decimal
    deductible: bool


@dataclass(frozen=True)
class Payslip:
    gross: Decimal
    lines: tuple[PayslipLine, ...]
    employee_contributions: Decimal
    employer_contributions: Decimal  # before the RGDU
    smic_reference: Decimal  # this month's
    rgdu_coefficient: Decimal  # on the cumulative year
    rgdu: Decimal  # granted this month (negative when the regularisation takes some back)
    net_before_tax: Decimal
    taxable_net: Decimal
    pas_rate: Decimal
    pas: Decimal
    net_paid: Decimal
    total_cost: Decimal
    ytd: Ytd = field(default_factory=Ytd)  # the year so far, this month included

    @property
    def employer_after_rgdu(self) -> Decimal:
        return self.employer_contributions - self.rgdu

    def blocks(self) -> list[tuple[str, str, tuple[PayslipLine, ...]]]:
        """(code, French label, lines) in payslip order, empty blocks left out."""
        out = []
        for code, label in BLOCKS.items():
            lines = tuple(line for line in self.lines if line.block == code)
            if lines:
                out.append((code, label, lines))
        return out


@dataclass(frozen=True)
class EnvelopeGross:
    """The gross an envelope can fund: the largest gross whose total cost does not exceed it."""

    envelope: Decimal
    gross: Decimal
    cost: Decimal
    unused: Decimal  # envelope − cost; negative when the fixed part is not funded
    funded: bool
    message: str
    payslip: Payslip


def _amount(value, name: str, rates: RateSet) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | int | str):
        raise AppError("payroll_amount", f"« {name} » doit être un montant décimal.", field=name)
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise AppError("payroll_amount", f"« {name} » n'est pas un montant.", field=name) from None
    if not number.is_finite() or number < 0:
        raise AppError("payroll_amount", f"« {name} » doit être un montant positif ou nul.", field=name)
    return rates.money(number)


def _rate(value, name: str) -> Decimal:
    number = Decimal(value)
    if not ZERO <= number < 1:
        raise AppError("payroll_rate", f"« {name} » doit être une fraction entre 0 et 1 (ex. 0.075 pour 7,5 %).",
                       field=name)
    return number


class _Month:
    """What does not depend on the gross, worked out once (the solver computes many payslips)."""

    def __init__(self, *, rates: RateSet, settings: CaeSettings, ytd: Ytd, smic_reference):
        if settings.headcount_band not in HEADCOUNT_BANDS:
            raise AppError("payroll_headcount", f"Tranche d'effectif inconnue : {settings.headcount_band}.",
                           field="headcount_band")
        if settings.health_cover not in HEALTH_COVER_MODES:
            raise AppError("payroll_health_cover", f"Mode de complémentaire santé inconnu : {settings.health_cover}.",
                           field="health_cover")
        self.rates, self.settings, self.ytd = rates, settings, ytd
        self.lines: tuple[Line, ...] = rates.lines_for(settings.headcount_band)
        fnal = next(line for line in self.lines if line.kind == "fnal")
        self.tdelta = rates.rgdu.tdelta(fnal.employer_rate)
        self.atmp_rate = rates.atmp_default_rate if settings.atmp_rate is None else _rate(settings.atmp_rate, "atmp_rate")
        self.smic_reference = (rates.smic_monthly if smic_reference is None
                               else _amount(smic_reference, "smic_reference", rates))
        if settings.health_cover == "pmss_rate":
            self.health_base = rates.pmss
            self.health_rates = (_rate(settings.health_employee, "health_employee"),
                                 _rate(settings.health_employer, "health_employer"))
            self.health = tuple(rates.money(rates.pmss * rate) for rate in self.health_rates)
        elif settings.health_cover == "amount":
            self.health_base, self.health_rates = None, (None, None)
            self.health = (_amount(settings.health_employee, "health_employee", rates),
                           _amount(settings.health_employer, "health_employer", rates))
        else:
            self.health_base, self.health_rates, self.health = None, (None, None), (ZERO, ZERO)

    def bases(self, gross: Decimal) -> dict[str, Decimal]:
        r = self.rates
        t1 = min(gross, r.pmss)
        t1_t2 = min(gross, r.pmss * r.t2_cap_pmss)
        abated = min(gross, r.pmss * r.csg_abatement_cap_pass)
        return {
            "total": gross, "t1": t1, "t2": t1_t2 - t1, "t1_t2": t1_t2,
            # The abatement for professional expenses stops at 4 PASS (4 PMSS in a month); the
            # employer's health contribution is subject to CSG/CRDS in full.
            "csg": r.money(abated * r.csg_base_rate + (gross - abated) + self.health[1]),
            "employer_health": self.health[1],
        }

    @staticmethod
    def _power(ratio: Decimal, exponent: Decimal) -> Decimal:
        """ratio ** exponent. For an exponent in quarters (1.75 in 2026) as two square roots of an
        integer power: the same 28-digit result to within a few units of the last digit (so the
        same 4-decimal coefficient), ~20 times faster than Decimal's exp/ln (the solver computes
        ten payslips per envelope, a run thousands)."""
        quarters = exponent * 4
        if quarters == quarters.to_integral_value() and 0 < quarters <= 40:
            return (ratio ** int(quarters)).sqrt().sqrt()
        return ratio ** exponent

    def rgdu_coefficient(self, annual_gross: Decimal, annual_smic: Decimal) -> Decimal:
        g = self.rates.rgdu
        exit_multiple = g.exit_smic_multiple
        if annual_gross <= 0 or annual_smic <= 0 or annual_gross >= exit_multiple * annual_smic:
            return ZERO
        # ½ × (3 × SMIC / gross − 1) for the 2026 exit multiple of 3: 1 at the SMIC, 0 at 3 SMIC.
        ratio = (exit_multiple * annual_smic / annual_gross - 1) / (exit_multiple - 1)
        coefficient = (g.tmin + self.tdelta * self._power(ratio, g.exponent)).quantize(
            Decimal(1).scaleb(-g.coefficient_places), rounding=self.rates.rounding)
        return min(coefficient, g.tmin + self.tdelta)

    def payslip(self, gross: Decimal, pas_rate: Decimal) -> Payslip:
        r, money = self.rates, self.rates.money
        bases = self.bases(gross)
        lines, rgdu_cover = [], ZERO
        for line in self.lines:
            if line.kind == "health_cover":
                if self.settings.health_cover == "none":
                    continue
                base, (ee_rate, er_rate) = self.health_base, self.health_rates
                ee, er = self.health
            else:
                if line.only_above_pmss and gross <= r.pmss:
                    continue
                base = min(gross, r.pmss * line.cap_pmss) if line.base == "capped" else bases[line.base]
                if base == 0:
                    continue
                ee_rate = line.employee_rate
                er_rate = self.atmp_rate if line.kind == "atmp" else line.employer_rate
                ee, er = money(base * ee_rate), money(base * er_rate)
            if line.rgdu:
                # The RGDU is imputed on these contributions, AT/MP only up to its capped rate.
                rgdu_cover += money(base * min(er_rate, r.rgdu.atmp_cap_rate)) if line.kind == "atmp" else er
            lines.append(PayslipLine(code=line.code, label=line.label, block=line.block, fund=line.fund, base=base,
                                     employee_rate=ee_rate, employee_amount=ee, employer_rate=er_rate,
                                     employer_amount=er, deductible=line.deductible))

        annual_gross = self.ytd.gross + gross
        annual_smic = self.ytd.smic_reference + self.smic_reference
        coefficient = self.rgdu_coefficient(annual_gross, annual_smic)
        # Annualised with monthly regularisation: this month gets the year's reduction so far
        # minus what earlier months were granted, never more than the contributions it relieves.
        rgdu = min(money(coefficient * annual_gross) - self.ytd.rgdu, rgdu_cover)

        employee = sum((line.employee_amount for line in lines), ZERO)
        employer = sum((line.employer_amount for line in lines), ZERO)
        net_before_tax = gross - employee
        non_deductible = sum((line.employee_amount for line in lines if not line.deductible), ZERO)
        taxable_net = net_before_tax + non_deductible + self.health[1]
        pas = money(max(taxable_net, ZERO) * pas_rate)
        return Payslip(
            gross=gross, lines=tuple(lines), employee_contributions=employee, employer_contributions=employer,
            smic_reference=self.smic_reference, rgdu_coefficient=coefficient, rgdu=rgdu,
            net_before_tax=net_before_tax, taxable_net=taxable_net, pas_rate=pas_rate, pas=pas,
            net_paid=net_before_tax - pas, total_cost=gross + employer - rgdu,
            ytd=Ytd(gross=annual_gross, smic_reference=annual_smic, rgdu=self.ytd.rgdu + rgdu),
        )


def payslip_compute(*, gross, rates: RateSet, settings: CaeSettings, pas_rate=ZERO, ytd: Ytd | None = None,
                    smic_reference=None) -> Payslip:
    """One month's payslip figures for `gross` (€).

    `pas_rate`: the person's withholding-tax rate as a fraction. `ytd`: the year before this month
    (empty for January or a first payslip). `smic_reference`: this month's SMIC reference for the
    RGDU (default: the monthly SMIC of the table, i.e. full time; the caller prorates it for part
    time or an incomplete month)."""
    month = _Month(rates=rates, settings=settings, ytd=ytd or Ytd(), smic_reference=smic_reference)
    return month.payslip(_amount(gross, "gross", rates), _rate(pas_rate, "pas_rate"))


def gross_for_envelope(*, envelope, rates: RateSet, settings: CaeSettings, ytd: Ytd | None = None,
                       minimum_gross=None, pas_rate=ZERO, smic_reference=None) -> EnvelopeGross:
    """The largest gross (to the cent) whose total employer cost fits in `envelope`.

    Cost is non-decreasing in gross but not continuous: the RGDU coefficient is rounded to 4
    decimals (each step moves the cost by up to ~0.55 €) and stops at 3 SMIC (a jump of ~110 €),
    so some envelopes have no gross costing them to the cent; the answer then leaves `unused` on
    the table, always less than the next cent of gross would cost. With `minimum_gross` (the
    contract's fixed part) the gross is never below it; if the envelope cannot fund it, the
    result says so (`funded` False, `unused` negative: the shortfall)."""
    month = _Month(rates=rates, settings=settings, ytd=ytd or Ytd(), smic_reference=smic_reference)
    target = _amount(envelope, "envelope", rates)
    pas = _rate(pas_rate, "pas_rate")
    quantum = rates.amount_quantum

    def slip(units: int) -> Payslip:
        return month.payslip(quantum * units, pas)

    low = 0 if minimum_gross is None else int(_amount(minimum_gross, "minimum_gross", rates) / quantum)
    low_slip = slip(low)
    if low_slip.total_cost > target:
        shortfall = low_slip.total_cost - target
        return EnvelopeGross(
            envelope=target, gross=low_slip.gross, cost=low_slip.total_cost, unused=-shortfall, funded=False,
            message=f"L'enveloppe de {target} € ne finance pas la part fixe de {low_slip.gross} € brut "
                    f"(coût total {low_slip.total_cost} €, il manque {shortfall} €).",
            payslip=low_slip,
        )
    # The RGDU never exceeds the employer contributions it relieves, so cost ≥ gross: a gross of
    # the envelope plus one cent costs more than the envelope.
    high = max(int(target / quantum) + 1, low + 1)
    high_slip = slip(high)
    # Invariant: cost(low) ≤ target < cost(high). Secant steps through the last two points (the
    # cost is nearly linear between RGDU steps, so they land within a few cents in a few tries);
    # bisection when a step falls outside the bracket, and only bisection after SECANT_STEPS
    # (a step function can make the secant crawl near a jump).
    last, previous = (high, high_slip.total_cost), (low, low_slip.total_cost)
    steps = 0
    while high - low > 1:
        (x1, y1), (x0, y0) = last, previous
        guess = x1 + int((target - y1) * (x1 - x0) / (y1 - y0)) if y1 != y0 else low
        middle = guess if steps < SECANT_STEPS and low < guess < high else (low + high) // 2
        steps += 1
        middle_slip = slip(middle)
        previous, last = last, (middle, middle_slip.total_cost)
        if middle_slip.total_cost <= target:
            low, low_slip = middle, middle_slip
        else:
            high, high_slip = middle, middle_slip
    return EnvelopeGross(envelope=target, gross=low_slip.gross, cost=low_slip.total_cost,
                         unused=target - low_slip.total_cost, funded=True, message="", payslip=low_slip)
