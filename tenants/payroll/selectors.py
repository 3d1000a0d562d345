"""Reads for payroll."""

from __future__ import annotations

from decimal import Decimal

from .engine import CaeSettings
from .models import PayrollSettings


def payroll_settings_engine(settings: PayrollSettings | None = None) -> CaeSettings:
    """This CAE's settings as the engine takes them (fractions instead of percents)."""
    s = settings or PayrollSettings.current()
    if s.health_cover == PayrollSettings.HealthCover.PMSS_RATE:
        employer, employee = s.health_employer_rate / 100, s.health_employee_rate / 100
    elif s.health_cover == PayrollSettings.HealthCover.AMOUNT:
        employer, employee = s.health_employer_amount, s.health_employee_amount
    else:
        employer = employee = Decimal(0)
    return CaeSettings(
        headcount_band=s.headcount_band, atmp_rate=None if s.atmp_rate is None else s.atmp_rate / 100,
        health_cover=s.health_cover, health_employer=employer, health_employee=employee,
    )
