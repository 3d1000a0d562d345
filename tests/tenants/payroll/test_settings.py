"""Per-CAE payroll settings, and the seam between them, the rate tables and the engine."""

import datetime
from decimal import Decimal

import pytest

from essaim.audit.models import AuditEntry
from essaim.core.errors import AppError
from essaim.payrates.selectors import rates_for
from tenants.payroll.engine import CaeSettings, payslip_compute
from tenants.payroll.models import PayrollSettings
from tenants.payroll.selectors import payroll_settings_engine
from tenants.payroll.services import payroll_settings_update
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR

D = Decimal


def test_defaults_use_the_national_atmp_average(in_cae_a):
    cae = payroll_settings_engine()
    assert cae == CaeSettings(headcount_band="11_49", atmp_rate=None, health_cover="none")
    assert PayrollSettings.objects.count() == 1


def test_update_converts_percents_and_is_audited(in_cae_a, world):
    staff = world.user("accounts_a")
    payroll_settings_update(atmp_rate=D("1.00"), health_cover="pmss_rate", health_employer_rate=D("1.5"),
                            health_employee_rate=D("1"), acting_user=staff)
    cae = payroll_settings_engine()
    assert (cae.atmp_rate, cae.health_employer, cae.health_employee) == (D("0.01"), D("0.015"), D("0.01"))
    entry = AuditEntry.objects.get(action="payroll_settings_update")
    assert entry.actor == staff and entry.details["atmp_rate"] == "1.00"


@pytest.mark.parametrize(("fields", "field"), [
    ({"headcount_band": "12"}, "headcount_band"),
    ({"atmp_rate": D("150")}, "atmp_rate"),
    ({"health_employer_amount": D("-1")}, "health_employer_amount"),
    ({"salary": 1}, "salary"),
])
def test_bad_settings_are_refused_and_change_nothing(in_cae_a, fields, field):
    before = payroll_settings_engine()
    with pytest.raises(AppError) as exc:
        payroll_settings_update(**{"atmp_rate": D("3.00")} | fields, acting_user=TEST_ACTOR)
    assert exc.value.field == field
    assert payroll_settings_engine() == before


def test_settings_are_per_cae(cae_a, cae_b):
    with tenant_context(cae_a):
        payroll_settings_update(headcount_band="lt11", atmp_rate=D("0.90"), acting_user=TEST_ACTOR)
    with tenant_context(cae_b):
        assert payroll_settings_engine() == CaeSettings(headcount_band="11_49")
    with tenant_context(cae_a):
        assert payroll_settings_engine().headcount_band == "lt11"


def test_stored_rates_and_settings_give_the_golden_payslip(in_cae_a):
    payroll_settings_update(headcount_band="11_49", atmp_rate=D("1.00"), acting_user=TEST_ACTOR)
    p = payslip_compute(gross=D("1823.03"), rates=rates_for(datetime.date(2026, 3, 1)), settings=payroll_settings_engine())
    assert (p.net_before_tax, p.rgdu, p.total_cost) == (D("1443.09"), D("725.75"), D("1867.81"))
