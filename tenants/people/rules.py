"""The legal rules of the journey (Code du travail L7331-2 and following; loi ESS 2014).

- A CAPE lasts at most 12 months and can be renewed twice (36 months in all); warn 30 days
  before it ends.
- An entrepreneur-salarié must become an associate within 3 years of the CESA start; warn 6, 3
  and 1 month before.
- By default a CESA cannot start before the activity has a first revenue (a CAE setting).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from essaim.core.errors import AppError

CAPE_MAX_MONTHS = 12
CAPE_MAX_RENEWALS = 2
CAPE_WARNING_DAYS = 30
ASSOCIATE_DEADLINE_YEARS = 3
ASSOCIATE_WARNING_MONTHS = (6, 3, 1)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cape_check_period(*, start: date, end: date) -> None:
    """A CAPE period (the first one or a renewal) is at most 12 months."""
    if end <= start:
        raise AppError("cape_end_before_start", "La fin du CAPE doit suivre son début.", field="ends_on")
    if end > add_months(start, CAPE_MAX_MONTHS) - timedelta(days=1):
        raise AppError("cape_too_long", "Un CAPE dure au plus 12 mois (renouvelable deux fois).", field="ends_on")


def cape_check_renewal(*, renewals_so_far: int) -> None:
    if renewals_so_far >= CAPE_MAX_RENEWALS:
        raise AppError("cape_renewal_limit", "Un CAPE ne peut être renouvelé que deux fois.", field="kind")


def cesa_check_first_revenue(*, cesa_start: date, first_revenue_on: date | None, required: bool) -> None:
    if not required:
        return
    if first_revenue_on is None:
        raise AppError("cesa_without_revenue",
                       "Le CESA ne peut commencer qu'après un premier chiffre d'affaires de l'activité.",
                       field="starts_on")
    if cesa_start < first_revenue_on:
        raise AppError("cesa_before_revenue",
                       f"Le CESA ne peut commencer avant le premier chiffre d'affaires ({first_revenue_on:%d/%m/%Y}).",
                       field="starts_on")


def associate_deadline(cesa_start: date) -> date:
    return add_months(cesa_start, 12 * ASSOCIATE_DEADLINE_YEARS)


@dataclass(frozen=True)
class Due:
    """A reminder that should exist on `on` (idempotency key: kind + subject + on)."""

    kind: str
    on: date
    deadline: date
    message: str


def cape_reminders(*, ends_on: date) -> list[Due]:
    on = ends_on - timedelta(days=CAPE_WARNING_DAYS)
    return [Due("cape_ending", on, ends_on, f"Le CAPE se termine le {ends_on:%d/%m/%Y} : renouvellement ou CESA ?")]


def associate_reminders(*, cesa_start: date) -> list[Due]:
    deadline = associate_deadline(cesa_start)
    return [
        Due(f"associate_{months}m", add_months(deadline, -months), deadline,
            f"Sociétariat à réaliser avant le {deadline:%d/%m/%Y} (dans {months} mois).")
        for months in ASSOCIATE_WARNING_MONTHS
    ]
