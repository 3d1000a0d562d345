"""The functions the network layer calls for support: what was held in a period (info sessions,
meetings, workshops) and workshop attendance per period. Run inside the CAE's schema; only counts
leave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tenants.people.stats import Figure, Period, figure_of


@dataclass(frozen=True)
class SupportAggregates:
    period_start: date
    period_end: date
    info_sessions_held: int = 0
    info_session_attendance: int = 0
    meetings_held: int = 0
    workshops_held: int = 0
    workshop_attendance: int = 0


def aggregates(*, period_start: date, period_end: date) -> SupportAggregates:
    """Counts of the current schema (run inside the CAE) for [period_start, period_end]."""
    from .models import (
        Attendance,
        InfoSession,
        InfoSessionRegistration,
        Meeting,
        Workshop,
        WorkshopRegistration,
    )

    window = (period_start, period_end)
    return SupportAggregates(
        period_start=period_start, period_end=period_end,
        info_sessions_held=InfoSession.objects.filter(starts_at__date__range=window).count(),
        info_session_attendance=InfoSessionRegistration.objects.filter(
            session__starts_at__date__range=window, status=Attendance.ATTENDED).count(),
        meetings_held=Meeting.objects.filter(held_at__date__range=window).count(),
        workshops_held=Workshop.objects.filter(starts_at__date__range=window).count(),
        workshop_attendance=WorkshopRegistration.objects.filter(
            workshop__starts_at__date__range=window, status=Attendance.ATTENDED).count(),
    )


@dataclass(frozen=True)
class SupportCells:
    period: str
    workshops_held: int = 0  # workshops that started in the period
    # attendances at those workshops: people who attended at least one, attendances, the two
    # largest numbers of attendances of one person
    attendance: Figure = field(default_factory=lambda: Figure(0, Decimal(0), Decimal(0), Decimal(0)))


def period_cells(*, periods: list[Period]) -> list[SupportCells]:
    from django.db import connection

    from tenants.people.stats import _periods_sql

    from .models import Attendance, Workshop, WorkshopRegistration

    if not periods:
        return []
    p_sql, p_args = _periods_sql(periods)
    held: dict[str, int] = {}
    attendance: dict[str, Figure] = {}
    day = "(w.starts_at AT TIME ZONE 'Europe/Paris')::date"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH p AS ({p_sql})
            SELECT p.code, count(*) FROM {Workshop._meta.db_table} w JOIN p ON {day} BETWEEN p.s AND p.e
            GROUP BY 1""", p_args)  # noqa: S608 - table names from the models, values bound
        held = dict(cursor.fetchall())
        cursor.execute(f"""
            WITH p AS ({p_sql}),
            a AS (SELECT p.code, r.entrepreneur_id, count(*) AS n
                  FROM {WorkshopRegistration._meta.db_table} r JOIN {Workshop._meta.db_table} w ON w.id = r.workshop_id
                  JOIN p ON {day} BETWEEN p.s AND p.e WHERE r.status = %s GROUP BY 1, 2)
            SELECT code, count(*), sum(n), (array_agg(n ORDER BY n DESC))[1:2] FROM a GROUP BY 1""",  # noqa: S608
                       [*p_args, Attendance.ATTENDED])
        for code, people, total, top in cursor.fetchall():
            attendance[code] = figure_of(people, total, top)
    return [SupportCells(period=p.code, workshops_held=held.get(p.code, 0),
                         attendance=attendance.get(p.code, figure_of(0, 0, [])))
            for p in periods]
