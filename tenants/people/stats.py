"""The one function the network layer calls: this CAE's figures for a period, as aggregates.
No row about a person ever leaves it — only counts and sums."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

FULL_TIME_HOURS = Decimal("35")
AGE_BANDS = [(0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 200, "55+")]


@dataclass(frozen=True)
class PeopleAggregates:
    period_start: date
    period_end: date
    headcount_by_stage: dict[str, int] = field(default_factory=dict)
    headcount_by_gender: dict[str, int] = field(default_factory=dict)
    headcount_by_age_band: dict[str, int] = field(default_factory=dict)
    headcount_by_entry_situation: dict[str, int] = field(default_factory=dict)
    headcount_by_sector: dict[str, int] = field(default_factory=dict)
    headcount_by_department: dict[str, int] = field(default_factory=dict)
    entries: int = 0
    exits_by_outcome: dict[str, int] = field(default_factory=dict)
    associates: int = 0
    fte: Decimal = Decimal("0.00")
    info_sessions_held: int = 0
    info_session_attendance: int = 0
    meetings_held: int = 0
    workshops_held: int = 0
    workshop_attendance: int = 0


def _age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return "inconnu"
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(label for low, high, label in AGE_BANDS if low <= age < high)


def aggregates(*, period_start: date, period_end: date) -> PeopleAggregates:
    """Figures of the current schema (run inside the CAE) for [period_start, period_end]."""
    from tenants.support.models import (
        Attendance,
        InfoSession,
        InfoSessionRegistration,
        Meeting,
        Workshop,
        WorkshopRegistration,
    )

    from .models import Contract, ContractAmendment, Entrepreneur, Journey

    active_ids = Journey.objects.filter(opened_on__lte=period_end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=period_start)).values("entrepreneur_id")
    people = Entrepreneur.objects.filter(pk__in=active_ids)

    def count_by(field_name: str) -> dict[str, int]:
        return {key or "": n for key, n in people.values_list(field_name).annotate(n=Count("id")).order_by()}

    ages: dict[str, int] = {}
    for birth in people.values_list("birth_date", flat=True):
        band = _age_band(birth, period_end)
        ages[band] = ages.get(band, 0) + 1
    sectors: dict[str, int] = {}
    for naf, n in people.values_list("sector_naf").annotate(n=Count("id")).order_by():
        key = (naf or "")[:2] or "inconnu"
        sectors[key] = sectors.get(key, 0) + n
    departments = dict(people.values_list("site__department").annotate(n=Count("id")).order_by())

    # FTE at the end of the period: each running CESA's hours (its latest amendment wins) / 35 h.
    fte = Decimal("0")
    cesas = Contract.objects.filter(kind="cesa", starts_on__lte=period_end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period_end))
    latest = {}
    for contract_id, hours in ContractAmendment.objects.filter(
            contract__in=cesas, effective_on__lte=period_end).order_by("effective_on", "id").values_list(
            "contract_id", "weekly_hours"):
        latest[contract_id] = hours
    for contract_id, hours in cesas.values_list("id", "weekly_hours"):
        fte += (latest.get(contract_id, hours) or Decimal("0")) / FULL_TIME_HOURS

    in_period = {"on__range": (period_start, period_end)}
    from .models import JourneyEvent

    exits = {o or "": n for o, n in Journey.objects.filter(closed_on__range=(period_start, period_end))
             .values_list("exit_outcome").annotate(n=Count("id")).order_by()}
    window = (period_start, period_end)
    return PeopleAggregates(
        period_start=period_start, period_end=period_end,
        headcount_by_stage=count_by("stage"), headcount_by_gender=count_by("gender"),
        headcount_by_age_band=ages, headcount_by_entry_situation=count_by("entry_situation"),
        headcount_by_sector=sectors, headcount_by_department=departments,
        entries=Journey.objects.filter(opened_on__range=window).count(),
        exits_by_outcome=exits,
        associates=JourneyEvent.objects.filter(kind="associate", **in_period).count(),
        fte=fte.quantize(Decimal("0.01")),
        info_sessions_held=InfoSession.objects.filter(starts_at__date__range=window).count(),
        info_session_attendance=InfoSessionRegistration.objects.filter(
            session__starts_at__date__range=window, status=Attendance.ATTENDED).count(),
        meetings_held=Meeting.objects.filter(held_at__date__range=window).count(),
        workshops_held=Workshop.objects.filter(starts_at__date__range=window).count(),
        workshop_attendance=WorkshopRegistration.objects.filter(
            workshop__starts_at__date__range=window, status=Attendance.ATTENDED).count(),
    )
