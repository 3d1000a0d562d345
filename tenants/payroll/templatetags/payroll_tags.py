"""Template filters of the payroll pages and payslips."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def deducted(value):
    """An amount printed as a deduction: the RGDU granted (positive) prints as « -725,75 »; a
    regularisation that takes some back (negative) prints as « 109,38 », not « --109,38 »; zero
    stays « 0,00 » (no « -0,00 »)."""
    if value in (None, ""):
        return value
    amount = Decimal(value)
    return -amount if amount else amount
