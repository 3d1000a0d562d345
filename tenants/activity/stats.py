"""The one function the network layer calls for invoicing: revenue excluding VAT invoiced per
period, per cell (NAF division of the activity, department of its site), with the two largest
single activities' figures of each cell. Run inside the CAE's schema; only sums and counts leave."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenants.people.stats import Figure, Period, figure_of


@dataclass(frozen=True)
class ActivityCells:
    period: str
    # (NAF division, department) → activities with a positive net revenue in the period: their
    # number, the sum of their invoices net of credit notes (excl. VAT), the two largest
    revenue: dict[tuple[str, str], Figure] = field(default_factory=dict)


def period_cells(*, periods: list[Period]) -> list[ActivityCells]:
    from django.db import connection

    from tenants.people.models import Entrepreneur, Site
    from tenants.people.stats import _periods_sql

    from .models import Invoice

    if not periods:
        return []
    p_sql, p_args = _periods_sql(periods)
    out = {p.code: ActivityCells(period=p.code) for p in periods}
    with connection.cursor() as cursor:
        # Credit notes are stored negative: the sum is the net revenue. An activity whose credit
        # notes exceed its invoices in a period counts as having none (every figure is >= 0).
        cursor.execute(f"""
            WITH p AS ({p_sql}),
            r AS (SELECT p.code, i.entrepreneur_id, sum(i.total_excl_vat) AS v
                  FROM {Invoice._meta.db_table} i JOIN p ON i.issued_on BETWEEN p.s AND p.e
                  WHERE i.status = 'finalised' GROUP BY 1, 2),
            c AS (SELECT r.code, left(e.sector_naf, 2) AS naf, s.department AS dept, r.v
                  FROM r JOIN {Entrepreneur._meta.db_table} e ON e.id = r.entrepreneur_id
                  JOIN {Site._meta.db_table} s ON s.id = e.site_id WHERE r.v > 0)
            SELECT code, naf, dept, count(*), sum(v), (array_agg(v ORDER BY v DESC))[1:2]
            FROM c GROUP BY 1, 2, 3""", p_args)  # noqa: S608 - table names from the models, values bound
        for code, naf, dept, n, total, top in cursor.fetchall():
            out[code].revenue[(naf or "", dept)] = figure_of(n, total, top)
    return list(out.values())
