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


def _age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return "inconnu"
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(label for low, high, label in AGE_BANDS if low <= age < high)


def aggregates(*, period_start: date, period_end: date) -> PeopleAggregates:
    """Figures of the current schema (run inside the CAE) for [period_start, period_end]."""
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
    for contract_id, contract_hours in cesas.values_list("id", "weekly_hours"):
        fte += (latest.get(contract_id, contract_hours) or Decimal("0")) / FULL_TIME_HOURS

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
    )


# -- Per-cell figures for the network's consolidation ---------------------------------------------
#
# `period_cells` is what the network's collection calls, inside the CAE's schema. It returns, per
# period, counts and sums per cell of a fine classification (NAF division, gender, department of
# the site, ...). For the magnitudes (FTE here, revenue in tenants/activity/stats.py) each cell also
# carries its two largest single contributions — two numbers, never who they belong to — which is
# what the disclosure rules need (a person lies in exactly one cell, so the top two of any coarser
# cell are among its fine cells' top twos). No name, id or date of a person leaves this function.

# The stage a journey has reached on a date: the furthest event so far (stages only go forward).
STAGE_ORDER = ("candidate", "info_session", "follow_up", "cape", "cesa", "associate")
EXITED = "exited"
_EVENT_RANK = {"info_session": 1, "follow_up": 2, "cape_signed": 3, "cape_renewed": 3, "first_revenue": 3,
               "cesa_signed": 4, "amendment": 4, "associate": 5}


@dataclass(frozen=True)
class Period:
    """A statistical period: ``code`` is ``"2026"`` or ``"2026-Q3"``; ``end`` may be cut at the
    day of collection for a period still running."""

    code: str
    start: date
    end: date


@dataclass(frozen=True)
class Figure:
    """A magnitude over the people of one cell: how many, their sum, the two largest."""

    people: int
    total: Decimal
    top1: Decimal
    top2: Decimal


@dataclass(frozen=True)
class PeopleCells:
    period: str
    # (stage at the period's end, NAF division "62" or "", gender, department of the site,
    # entry situation) → people whose journey was open at some time in the period
    entrepreneurs: dict[tuple[str, str, str, str, str], int] = field(default_factory=dict)
    # (exit outcome, NAF division, department) → journeys closed in the period
    exits: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # (NAF division, department) → FTE at the period's end (weekly hours of the running CESA / 35)
    fte: dict[tuple[str, str], Figure] = field(default_factory=dict)
    sites: int = 0  # active sites


def _periods_sql(periods) -> tuple[str, list]:
    return ("SELECT * FROM unnest(%s::text[], %s::date[], %s::date[]) AS p(code, s, e)",
            [[p.code for p in periods], [p.start for p in periods], [p.end for p in periods]])


def figure_of(people: int, total, top: list | None) -> Figure:
    values = sorted((Decimal(v) for v in (top or []) if v is not None), reverse=True) + [Decimal(0), Decimal(0)]
    return Figure(int(people), Decimal(total), values[0], values[1] if people > 1 else Decimal(0))


def period_cells(*, periods: list[Period]) -> list[PeopleCells]:
    """This CAE's figures (run inside its schema) for each period, in one query per measure."""
    from django.db import connection

    from .models import Contract, ContractAmendment, Entrepreneur, Journey, JourneyEvent, Site

    if not periods:
        return []
    p_sql, p_args = _periods_sql(periods)
    names = {"journey": Journey._meta.db_table, "event": JourneyEvent._meta.db_table,
             "person": Entrepreneur._meta.db_table, "site": Site._meta.db_table,
             "contract": Contract._meta.db_table, "amendment": ContractAmendment._meta.db_table}
    rank_case = " ".join(f"WHEN '{kind}' THEN {rank}" for kind, rank in _EVENT_RANK.items())
    out = {p.code: PeopleCells(period=p.code) for p in periods}
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH p AS ({p_sql}),
            j AS (SELECT DISTINCT ON (p.code, j.entrepreneur_id) p.code, p.e, j.id, j.entrepreneur_id, j.closed_on
                  FROM {names['journey']} j JOIN p ON j.opened_on <= p.e AND (j.closed_on IS NULL OR j.closed_on >= p.s)
                  ORDER BY p.code, j.entrepreneur_id, j.opened_on DESC, j.id DESC),
            st AS (SELECT j.code, j.entrepreneur_id,
                          CASE WHEN j.closed_on IS NOT NULL AND j.closed_on <= j.e THEN -1 ELSE COALESCE(
                            (SELECT max(CASE ev.kind {rank_case} ELSE 0 END) FROM {names['event']} ev
                             WHERE ev.journey_id = j.id AND ev."on" <= j.e), 0) END AS rank
                   FROM j)
            SELECT st.code, st.rank, left(e.sector_naf, 2), e.gender, s.department, e.entry_situation, count(*)
            FROM st JOIN {names['person']} e ON e.id = st.entrepreneur_id JOIN {names['site']} s ON s.id = e.site_id
            GROUP BY 1, 2, 3, 4, 5, 6""", p_args)  # noqa: S608 - table names from the models, values bound
        for code, rank, naf, gender, dept, situation, n in cursor.fetchall():
            stage = EXITED if rank < 0 else STAGE_ORDER[rank]
            out[code].entrepreneurs[(stage, naf or "", gender, dept, situation)] = n
        cursor.execute(f"""
            WITH p AS ({p_sql})
            SELECT p.code, j.exit_outcome, left(e.sector_naf, 2), s.department, count(*)
            FROM {names['journey']} j JOIN p ON j.closed_on BETWEEN p.s AND p.e
            JOIN {names['person']} e ON e.id = j.entrepreneur_id JOIN {names['site']} s ON s.id = e.site_id
            GROUP BY 1, 2, 3, 4""", p_args)  # noqa: S608
        for code, outcome, naf, dept, n in cursor.fetchall():
            out[code].exits[(outcome or "other", naf or "", dept)] = n
        cursor.execute(f"""
            WITH p AS ({p_sql}),
            h AS (SELECT p.code, j.entrepreneur_id,
                         sum(COALESCE((SELECT a.weekly_hours FROM {names['amendment']} a
                                       WHERE a.contract_id = c.id AND a.effective_on <= p.e
                                       ORDER BY a.effective_on DESC, a.id DESC LIMIT 1), c.weekly_hours, 0)) AS hours
                  FROM {names['contract']} c JOIN {names['journey']} j ON j.id = c.journey_id
                  JOIN p ON c.starts_on <= p.e AND (c.ends_on IS NULL OR c.ends_on >= p.e)
                  WHERE c.kind = 'cesa' GROUP BY 1, 2),
            v AS (SELECT h.code, left(e.sector_naf, 2) AS naf, s.department AS dept, round(h.hours / 35, 4) AS v
                  FROM h JOIN {names['person']} e ON e.id = h.entrepreneur_id
                  JOIN {names['site']} s ON s.id = e.site_id)
            SELECT code, naf, dept, count(*), sum(v), (array_agg(v ORDER BY v DESC))[1:2]
            FROM v GROUP BY 1, 2, 3""", p_args)  # noqa: S608
        for code, naf, dept, n, total, top in cursor.fetchall():
            out[code].fte[(naf or "", dept)] = figure_of(n, total, top)
    sites = Site.objects.filter(is_active=True).count()
    return [PeopleCells(period=c.period, entrepreneurs=c.entrepreneurs, exits=c.exits, fte=c.fte, sites=sites)
            for c in out.values()]


def labels() -> dict[str, dict[str, str]]:
    """The categories the cells use, with their French labels (for published tables)."""
    from .journey import ExitOutcome, Stage
    from .models import Entrepreneur

    return {
        "stage": {str(v): str(label) for v, label in Stage.choices},
        "gender": {str(v): str(label) for v, label in Entrepreneur.Gender.choices},
        "entry_situation": {str(v): str(label) for v, label in Entrepreneur.EntrySituation.choices},
        "outcome": {str(v): str(label) for v, label in ExitOutcome.choices},
    }
