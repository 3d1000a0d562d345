"""The first figures of a launched CAE, shown on its setup project: aggregates only, read inside
the CAE's schema through the tenant apps' stats.py functions (never a row about a person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class FirstFigures:
    period_start: date
    period_end: date
    people: int
    entries: int
    fte: Decimal
    info_sessions_held: int
    invoicing_activities: int
    revenue_excl_vat: Decimal


def first_figures(cooperative, *, today: date | None = None) -> FirstFigures:
    """From the CAE's opening day to today."""
    from tenants.activity.stats import period_cells as activity_cells
    from tenants.people.stats import Period, aggregates
    from tenants.support.stats import aggregates as support_aggregates

    today = today or timezone.localdate()
    start = cooperative.active_from if cooperative.active_from and cooperative.active_from <= today else today
    try:
        with cooperative:
            people = aggregates(period_start=start, period_end=today)
            support = support_aggregates(period_start=start, period_end=today)
            cells = activity_cells(periods=[Period(code="depuis-ouverture", start=start, end=today)])[0].revenue
    finally:
        connection.set_schema_to_public()
    return FirstFigures(
        period_start=start, period_end=today, people=sum(people.headcount_by_stage.values()),
        entries=people.entries, fte=people.fte, info_sessions_held=support.info_sessions_held,
        invoicing_activities=sum(f.people for f in cells.values()),
        revenue_excl_vat=sum((f.total for f in cells.values()), Decimal("0.00")),
    )
