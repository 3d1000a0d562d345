"""The legal rules of the journey (Code du travail L7331-2 and following; loi ESS 2014).

- A CAPE lasts at most 12 months and can be renewed twice (36 months in all).
- An entrepreneur-salarié must become an associate within 3 years of the CESA start.
- By default a CESA cannot start before the activity has a first revenue (a CAE setting).

The limits are the law's and stay constants. When to warn is each CAE's choice
(`PeopleSettings.cape_warning_days`, `associate_warning_months`): the defaults and bounds are
here, the values are read from the CAE's row by `reminders_generate`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from essaim.core.errors import AppError

CAPE_MAX_MONTHS = 12
CAPE_MAX_RENEWALS = 2
ASSOCIATE_DEADLINE_YEARS = 3

# A CAE's lead times (PeopleSettings): default and bounds.
CAPE_WARNING_DAYS = 30
CAPE_WARNING_DAYS_MIN, CAPE_WARNING_DAYS_MAX = 7, 90
ASSOCIATE_WARNING_MONTHS_DEFAULT = 6
ASSOCIATE_WARNING_MONTHS_MIN, ASSOCIATE_WARNING_MONTHS_MAX = 1, 12
# After the CAE's first associate warning, these follow (those closer to the deadline than it).
ASSOCIATE_FOLLOW_UP_MONTHS = (6, 3, 1)


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


def cape_reminders(*, ends_on: date, warning_days: int = CAPE_WARNING_DAYS) -> list[Due]:
    on = ends_on - timedelta(days=warning_days)
    return [Due("cape_ending", on, ends_on, f"Le CAPE se termine le {ends_on:%d/%m/%Y} : renouvellement ou CESA ?")]


def associate_warning_months(first: int = ASSOCIATE_WARNING_MONTHS_DEFAULT) -> tuple[int, ...]:
    """The months before the associate deadline at which to warn: the CAE's first warning, then
    the follow-ups closer to the deadline (6 → 6, 3, 1 as before the setting existed; 12 → 12, 6,
    3, 1; 2 → 2, 1)."""
    return (first, *(months for months in ASSOCIATE_FOLLOW_UP_MONTHS if months < first))


def associate_reminders(*, cesa_start: date, first_warning_months: int = ASSOCIATE_WARNING_MONTHS_DEFAULT,
                        ) -> list[Due]:
    # The kind names the lead time (associate_6m…): the keys of reminders made before the lead
    # time became a setting stay the same with the default.
    deadline = associate_deadline(cesa_start)
    return [
        Due(f"associate_{months}m", add_months(deadline, -months), deadline,
            f"Sociétariat à réaliser avant le {deadline:%d/%m/%Y} (dans {months} mois).")
        for months in associate_warning_months(first_warning_months)
    ]


def reminder_family(kind: str) -> str:
    """Reminders of one family are about the same kind of deadline (a CAPE's end, the associate
    deadline)."""
    return "associate" if kind.startswith("associate_") else kind


def due_is_moot(due: Due, *, made_on: list[date]) -> bool:
    """Whether `due` should not be created because of the reminders already made for the same
    person, family and deadline (`made_on`: their due dates). This only matters after a CAE
    changed its lead times: a CAPE's end is announced once (a longer lead time adds no second
    reminder, a shorter one no repeat), and an associate warning earlier than one already made
    comes too late to be useful (the counsellor was warned closer to the deadline)."""
    if due.kind == "cape_ending":
        return bool(made_on)
    return any(on > due.on for on in made_on)
