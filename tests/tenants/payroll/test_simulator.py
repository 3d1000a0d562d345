"""The simulator computes this month's pay as the run does: the SMIC reference prorated to the
contract's weekly hours, and the year so far from the closed runs (the RGDU's regularisation)."""

from datetime import date
from decimal import Decimal

import pytest

from essaim.payrates.selectors import rates_for
from tenants.payroll.engine import payslip_compute
from tenants.payroll.runs import payroll_line_adjust, payroll_run_check, payroll_run_close, payroll_run_create
from tenants.payroll.selectors import payroll_settings_engine
from tenants.payroll.simulator import simulate
from tests.factories import TEST_ACTOR

from .cesa import cesa_person

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_part_timer_is_simulated_as_the_run_pays_them(in_cae_a):
    """Paul works 17.5 h a week for 1,500 € gross, well above his prorated SMIC (911.52 €): his
    RGDU is far below the full-time one. January was paid 2,500 € (a bonus), so February's RGDU
    also regularises the year."""
    paul = cesa_person(first_name="Paul", weekly_hours="17.5", monthly_gross="1500.00",
                       revenue=[(date(2026, 1, 5), 30000)])
    january = payroll_run_create(month="2026-01", acting_user=TEST_ACTOR)
    payroll_line_adjust(line=january.lines.get(), gross="2500", reason="Prime", acting_user=TEST_ACTOR)
    payroll_run_check(run=january, acting_user=TEST_ACTOR)
    payroll_run_close(run=january, render_payslips=False, acting_user=TEST_ACTOR)
    line = payroll_run_create(month="2026-02", acting_user=TEST_ACTOR).lines.get()
    assert (line.gross, line.smic_reference, line.ytd_gross) == (D("1500.00"), D("911.52"), D("2500.00"))

    result = simulate(entrepreneur=paul, today=date(2026, 2, 10), gross="1500")
    assert (result.gross, result.net_before_tax, result.rgdu, result.cost) == (
        line.gross, line.net_before_tax, line.rgdu, line.total_cost)
    assert (result.weekly_hours, result.smic_reference) == (D("17.50"), D("911.52"))

    # What the simulator said before: the full-time SMIC reference and no year to date.
    rates, cae = rates_for(date(2026, 2, 10)), payroll_settings_engine()
    full_time = payslip_compute(gross=D("1500"), rates=rates, settings=cae)
    without_ytd = payslip_compute(gross=D("1500"), rates=rates, settings=cae, smic_reference=D("911.52"))
    assert full_time.rgdu > without_ytd.rgdu > line.rgdu, (full_time.rgdu, without_ytd.rgdu, line.rgdu)
    assert result.cost != full_time.total_cost and result.cost != without_ytd.total_cost


def test_the_page_shows_the_part_time_rgdu(world, in_cae_a):
    from tests.conftest import client_for

    paul = cesa_person(first_name="Paul", weekly_hours="17.5", monthly_gross="1500.00",
                       user=world.user("entrepreneur_a"))
    result = simulate(entrepreneur=paul, today=date.today(), gross="1500")
    page = client_for(world.cae_a, world.user("entrepreneur_a")).get("/paie/simulateur/?montant=1500").content.decode()
    assert f"{result.rgdu} €".replace(".", ",") in page
    assert "17,50 h par semaine : SMIC de référence" in page
