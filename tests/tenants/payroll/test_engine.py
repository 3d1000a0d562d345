"""Payroll engine: the refs' golden figures and the rules behind them (no database)."""

from decimal import Decimal

import pytest

from essaim.core.errors import AppError
from tenants.payroll.engine import CaeSettings, Ytd, gross_for_envelope, payslip_compute

from .helpers import REFS, rates_2026

D = Decimal
RATES = rates_2026()
SMIC = D("1823.03")


def slip(gross, settings=REFS, **kw):
    return payslip_compute(gross=D(gross), rates=RATES, settings=settings, **kw)


def amounts(payslip, code):
    line = next(line for line in payslip.lines if line.code == code)
    return line.employee_amount, line.employer_amount


# -- golden figures (refs section 1, "Overall rates") --------------------------------------

def test_smic_golden_figures():
    p = slip(SMIC)
    assert D("1443.09") <= p.net_before_tax <= D("1443.11")
    assert p.net_before_tax == D("1443.09")
    assert p.rgdu_coefficient == D("0.3981")
    assert p.rgdu == D("725.75")
    assert p.total_cost == D("1867.81")


@pytest.mark.parametrize(("gross", "net", "rgdu", "cost"), [
    ("2500", "1978.99", "429.75", "3126.90"),
    ("4500", "3561.76", "124.65", "6286.33"),
])
def test_golden_figures_above_the_smic(gross, net, rgdu, cost):
    p = slip(gross)
    assert (p.net_before_tax, p.rgdu, p.total_cost) == (D(net), D(rgdu), D(cost))


def test_overall_rates_match_the_refs_table():
    # Employee 20.8 %, employer before RGDU 42.3 % / 42.3 % / 42.5 %, after 2.5 % / 25.1 % / 39.7 %.
    for gross, employer, after in (("1823.03", "42.3", "2.5"), ("2500", "42.3", "25.1"), ("4500", "42.5", "39.7")):
        p = slip(gross)

        def percent(amount, p=p):
            return (amount / p.gross * 100).quantize(D("0.1"))

        assert percent(p.employee_contributions) == D("20.8")
        assert percent(p.employer_contributions) == D(employer)
        assert percent(p.employer_after_rgdu) == D(after)


def test_envelope_golden_figures():
    result = gross_for_envelope(envelope=D("2000"), rates=RATES, settings=REFS)
    assert abs(result.gross - D("1889.18")) <= D("0.01")
    assert abs(result.payslip.net_before_tax - D("1495.46")) <= D("0.02")
    assert result.funded and D("1999.99") <= result.cost <= D("2000")
    # The refs' second example, to the cent.
    result = gross_for_envelope(envelope=D("3000"), rates=RATES, settings=REFS)
    assert (result.gross, result.payslip.net_before_tax, result.cost) == (D("2427.46"), D("1921.58"), D("3000.00"))


# -- the lines -------------------------------------------------------------------------------

def test_smic_lines_are_the_table_rounded_line_by_line():
    p = slip(SMIC)
    assert amounts(p, "maladie") == (D("0.00"), D("236.99"))  # 13 % of 1,823.03 = 236.9939
    assert amounts(p, "vieillesse_plafonnee") == (D("125.79"), D("155.87"))
    assert amounts(p, "atmp") == (D("0.00"), D("18.23"))
    assert amounts(p, "formation_11_et_plus") == (D("0.00"), D("18.23"))
    assert amounts(p, "fnal_moins_50") == (D("0.00"), D("1.82"))
    csg = next(line for line in p.lines if line.code == "csg_deductible")
    assert csg.base == D("1791.13")  # 98.25 % of gross
    assert amounts(p, "csg_deductible")[0] == D("121.80")
    codes = {line.code for line in p.lines}
    # Below the PMSS: no tranche 2 lines and no CET; no health cover configured.
    assert not codes & {"agirc_arrco_t2", "ceg_t2", "cet", "complementaire_sante", "forfait_social_prevoyance"}
    assert p.employee_contributions == sum(line.employee_amount for line in p.lines)
    assert [code for code, _, _ in p.blocks()] == ["sante", "accidents_travail", "retraite", "famille",
                                                  "assurance_chomage", "autres_patronales", "csg_crds"]


def test_above_the_pmss_tranche_2_and_cet_apply():
    p = slip("4500")
    t2 = next(line for line in p.lines if line.code == "agirc_arrco_t2")
    assert t2.base == D("495.00")
    assert amounts(p, "agirc_arrco_t2") == (D("42.77"), D("64.10"))
    assert next(line for line in p.lines if line.code == "cet").base == D("4500")
    assert next(line for line in p.lines if line.code == "vieillesse_plafonnee").base == D("4005")


def test_csg_abatement_stops_at_four_pmss():
    p = slip("20000")
    csg = next(line for line in p.lines if line.code == "csg_deductible")
    assert csg.base == D("16020") * D("0.9825") + D("3980")
    assert next(line for line in p.lines if line.code == "chomage").base == D("16020")


def test_headcount_bands_select_fnal_training_and_tdelta():
    small = slip(SMIC, CaeSettings(headcount_band="lt11", atmp_rate=D("0.01")))
    assert amounts(small, "formation_moins_11")[1] == D("10.03")
    assert not any(line.code == "formation_11_et_plus" for line in small.lines)
    # The refs: URSSAF's model defaults to the 0.55 % rate and costs €8.21 less (8.20 line by line).
    assert slip(SMIC).total_cost - small.total_cost == D("8.20")
    big = slip(SMIC, CaeSettings(headcount_band="50_249", atmp_rate=D("0.01")))
    assert amounts(big, "fnal_50_et_plus")[1] == D("9.12")  # 0.50 % of the whole gross
    assert big.rgdu_coefficient == D("0.4021") and big.rgdu == D("733.04")


def test_atmp_defaults_to_the_national_average():
    p = slip(SMIC, CaeSettings(headcount_band="11_49"))
    assert next(line for line in p.lines if line.code == "atmp").employer_rate == D("0.0208")


def test_health_cover_as_share_of_pmss():
    settings = CaeSettings(headcount_band="11_49", atmp_rate=D("0.01"), health_cover="pmss_rate",
                           health_employer=D("0.015"), health_employee=D("0.01"))
    p, bare = slip(SMIC, settings), slip(SMIC)
    assert amounts(p, "complementaire_sante") == (D("40.05"), D("60.08"))
    assert amounts(p, "forfait_social_prevoyance")[1] == D("4.81")  # 8 % of the employer share, ≥ 11 staff
    assert next(line for line in p.lines if line.code == "csg_deductible").base == D("1791.13") + D("60.08")
    assert p.net_before_tax == bare.net_before_tax - D("40.05") - (D("4.08") + D("1.44") + D("0.30"))
    assert p.taxable_net == p.net_before_tax + sum(amounts(p, c)[0] for c in ("csg_non_deductible", "crds")) + D("60.08")
    assert p.total_cost == bare.total_cost + D("60.08") + D("4.81")


def test_health_cover_as_amounts_below_11_staff_has_no_forfait_social():
    settings = CaeSettings(headcount_band="lt11", atmp_rate=D("0.01"), health_cover="amount",
                           health_employer=D("30"), health_employee=D("25"))
    p = slip(SMIC, settings)
    line = next(line for line in p.lines if line.code == "complementaire_sante")
    assert (line.base, line.employee_amount, line.employer_amount) == (None, D("25.00"), D("30.00"))
    assert not any(line.code == "forfait_social_prevoyance" for line in p.lines)


def test_withholding_tax_on_the_taxable_net():
    p = slip(SMIC, pas_rate=D("0.075"))
    assert p.taxable_net == D("1443.09") + D("42.99") + D("8.96")  # + non-deductible CSG and CRDS
    assert p.pas == D("112.13")
    assert p.net_paid == D("1330.96")


# -- RGDU ------------------------------------------------------------------------------------

def test_rgdu_stops_at_three_smic():
    three = 3 * SMIC
    assert slip(three).rgdu == 0 and slip(three).rgdu_coefficient == 0
    below = slip(three - D("0.01"))
    assert below.rgdu_coefficient == D("0.0200") and below.rgdu == D("109.38")


def test_rgdu_is_maximal_below_the_smic():
    p = slip("1000")
    assert p.rgdu_coefficient == D("0.3981") and p.rgdu == D("398.10")


def test_rgdu_monthly_regularisation():
    january = slip(SMIC)
    february = slip("3000", ytd=january.ytd)
    assert january.ytd == Ytd(gross=SMIC, smic_reference=SMIC, rgdu=D("725.75"))
    annual_gross, annual_smic = SMIC + 3000, 2 * SMIC
    ratio = (3 * annual_smic / annual_gross - 1) / 2
    coefficient = (D("0.02") + D("0.3781") * ratio ** D("1.75")).quantize(D("0.0001"))
    assert february.rgdu_coefficient == coefficient
    assert february.rgdu == (coefficient * annual_gross).quantize(D("0.01")) - D("725.75")
    assert february.ytd.rgdu == (coefficient * annual_gross).quantize(D("0.01"))
    # Above 3 SMIC over the year so far: everything granted is taken back.
    march = slip("20000", ytd=february.ytd)
    assert march.rgdu == -february.ytd.rgdu and march.ytd.rgdu == 0


def test_twelve_equal_months_grant_twelve_equal_reductions():
    ytd = Ytd()
    for _ in range(12):
        p = slip("2500", ytd=ytd)
        assert p.rgdu == D("429.75")
        ytd = p.ytd
    assert ytd.rgdu == D("5157.00")


def test_part_time_smic_reference():
    # Half time at half the SMIC is paid at the SMIC rate: maximal coefficient.
    p = slip("911.52", smic_reference=D("911.52"))
    assert p.rgdu_coefficient == D("0.3981")
    # 3,000 € for half a SMIC reference is above 3 × 911.52 = 2,734.56: no reduction.
    assert slip("3000", smic_reference=D("911.52")).rgdu == 0
    assert slip("3000").rgdu > 0


def test_rgdu_capped_by_the_contributions_it_relieves_atmp_at_049():
    covered = ("maladie", "atmp", "vieillesse_plafonnee", "vieillesse_deplafonnee", "agirc_arrco_t1", "ceg_t1",
               "allocations_familiales", "chomage", "csa", "fnal_moins_50")
    low_atmp = slip(SMIC, CaeSettings(headcount_band="11_49", atmp_rate=D("0.002")))
    assert low_atmp.rgdu == sum(amounts(low_atmp, code)[1] for code in covered) < D("725.75")
    # At 1 % only 0.49 % counts, and the 2026 maximum coefficient is exactly the covered rates.
    p = slip(SMIC)
    cover = sum(amounts(p, code)[1] for code in covered if code != "atmp") + D("8.93")
    assert p.rgdu == D("725.75") <= cover


# -- solver ----------------------------------------------------------------------------------

def test_solver_respects_the_fixed_part():
    result = gross_for_envelope(envelope=D("3000"), rates=RATES, settings=REFS, minimum_gross=SMIC)
    assert result.funded and result.gross == D("2427.46")
    short = gross_for_envelope(envelope=D("1500"), rates=RATES, settings=REFS, minimum_gross=SMIC)
    assert not short.funded and short.gross == SMIC
    assert short.unused == D("1500") - D("1867.81")
    assert "part fixe" in short.message and "367.81" in short.message


def test_envelope_inside_an_rgdu_step_is_not_met_to_the_cent():
    # The coefficient is rounded to 4 decimals: where it steps down the cost jumps by
    # 0.0001 × gross. Find such a step near 2,500 € and ask for an envelope inside it.
    gross = D("2500.00")
    while slip(gross + D("0.01")).total_cost - slip(gross).total_cost <= D("0.10"):
        gross += D("0.01")
    before, after = slip(gross).total_cost, slip(gross + D("0.01")).total_cost
    envelope = (before + after) / 2
    result = gross_for_envelope(envelope=envelope.quantize(D("0.01")), rates=RATES, settings=REFS)
    assert result.gross == gross and result.cost == before
    assert result.unused > D("0.01")


def test_zero_envelope():
    result = gross_for_envelope(envelope=D("0"), rates=RATES, settings=REFS)
    assert result.funded and result.gross == 0 and result.cost == 0


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "code", "field"), [
    ({"gross": D("-1")}, "payroll_amount", "gross"),
    ({"gross": 1823.03}, "payroll_amount", "gross"),
    ({"gross": D("2000"), "pas_rate": D("7.5")}, "payroll_rate", "pas_rate"),
    ({"gross": D("2000"), "settings": CaeSettings(headcount_band="12")}, "payroll_headcount", "headcount_band"),
    ({"gross": D("2000"), "settings": CaeSettings(headcount_band="lt11", health_cover="x")}, "payroll_health_cover",
     "health_cover"),
])
def test_bad_input_is_refused(kwargs, code, field):
    kwargs = {"rates": RATES, "settings": REFS} | kwargs
    with pytest.raises(AppError) as exc:
        payslip_compute(**kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
