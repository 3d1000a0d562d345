"""Property tests of the payroll engine over the whole range of monthly pay (no database)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.payroll.engine import CaeSettings, Ytd, gross_for_envelope, payslip_compute

from .helpers import rates_2026

D = Decimal
RATES = rates_2026()
THREE_SMIC = 3 * RATES.smic_monthly

grosses = st.decimals(min_value="0", max_value="40000", places=2)
cae_settings = st.builds(
    CaeSettings,
    headcount_band=st.sampled_from(["lt11", "11_49", "50_249", "ge250"]),
    atmp_rate=st.one_of(st.none(), st.decimals(min_value="0.001", max_value="0.08", places=4)),
    health_cover=st.just("pmss_rate"),
    health_employer=st.decimals(min_value="0", max_value="0.03", places=4),
    health_employee=st.decimals(min_value="0", max_value="0.03", places=4),
) | st.just(CaeSettings(headcount_band="11_49", atmp_rate=D("0.01")))


def cost(gross, cae, ytd=None):
    return payslip_compute(gross=gross, rates=RATES, settings=cae, ytd=ytd).total_cost


@settings(max_examples=300, deadline=None)
@given(grosses, grosses, cae_settings)
def test_cost_is_increasing_in_gross(a, b, cae):
    low, high = min(a, b), max(a, b)
    assert cost(low, cae) <= cost(high, cae)
    if high - low >= 1:
        assert cost(low, cae) < cost(high, cae)


@settings(max_examples=150, deadline=None)
@given(st.lists(grosses, min_size=1, max_size=11), grosses, grosses)
def test_cost_is_increasing_in_gross_with_a_year_so_far(months, a, b):
    cae = CaeSettings(headcount_band="11_49", atmp_rate=D("0.01"))
    ytd = Ytd()
    for gross in months:
        ytd = payslip_compute(gross=gross, rates=RATES, settings=cae, ytd=ytd).ytd
    low, high = min(a, b), max(a, b)
    assert cost(low, cae, ytd) <= cost(high, cae, ytd)


@settings(max_examples=300, deadline=None)
@given(grosses, cae_settings, st.decimals(min_value="0", max_value="0.43", places=4))
def test_no_line_is_negative(gross, cae, pas_rate):
    p = payslip_compute(gross=gross, rates=RATES, settings=cae, pas_rate=pas_rate)
    for line in p.lines:
        assert line.base is None or line.base >= 0
        assert line.employee_amount >= 0 and line.employer_amount >= 0
        assert line.employee_amount == line.employee_amount.quantize(D("0.01"))
    assert p.rgdu >= 0 and p.pas >= 0
    assert p.total_cost >= p.gross >= p.net_before_tax >= p.net_paid
    if gross >= 200:  # below, the employee's health-cover share (≤ 3 % of the PMSS) may exceed the net
        assert p.net_paid >= 0
    assert p.total_cost == p.gross + sum(line.employer_amount for line in p.lines) - p.rgdu


@settings(max_examples=300, deadline=None)
@given(grosses, cae_settings)
def test_rgdu_is_zero_from_three_smic(gross, cae):
    p = payslip_compute(gross=gross, rates=RATES, settings=cae)
    if gross >= THREE_SMIC or gross == 0:
        assert p.rgdu == 0 and p.rgdu_coefficient == 0
    else:
        assert p.rgdu_coefficient >= RATES.rgdu.tmin
        if gross >= 1:  # below, the reduction rounds to zero cents
            assert p.rgdu > 0


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value="0", max_value="30000", places=2), cae_settings)
def test_solver_returns_the_best_gross(envelope, cae):
    result = gross_for_envelope(envelope=envelope, rates=RATES, settings=cae)
    # Health cover costs something even at a zero gross: a tiny envelope may fund nothing.
    assert result.funded == (cost(D(0), cae) <= envelope)
    if not result.funded:
        assert result.gross == 0 and result.unused < 0
        return
    assert result.cost == cost(result.gross, cae) <= envelope
    next_cost = cost(result.gross + D("0.01"), cae)
    assert next_cost > envelope  # one more cent of gross would not fit
    # Within one cent of the envelope wherever the cost moves by at most two cents per cent of
    # gross; elsewhere (RGDU coefficient steps, the 3-SMIC exit) what is left is less than the
    # next cent of gross would cost.
    assert result.unused == envelope - result.cost
    if next_cost - result.cost <= D("0.02"):
        assert result.unused <= D("0.01")
    assert result.unused < next_cost - result.cost


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value="0", max_value="12000", places=2), st.decimals(min_value="0", max_value="6000", places=2))
def test_solver_never_goes_below_the_fixed_part(envelope, fixed):
    cae = CaeSettings(headcount_band="11_49", atmp_rate=D("0.01"))
    result = gross_for_envelope(envelope=envelope, rates=RATES, settings=cae, minimum_gross=fixed)
    assert result.gross >= fixed
    assert result.funded == (cost(fixed, cae) <= envelope)
    if not result.funded:
        assert result.gross == fixed and result.unused < 0 and result.message
