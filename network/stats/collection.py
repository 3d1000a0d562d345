"""Collection: each CAE's figures, computed inside its schema by the tenant apps' aggregate
functions, stored as its contribution (public schema, sealed: see models.py).

    collection_run(cooperative=coop, year=2026)   # → CollectionResult(written=..., unchanged=...)

Idempotent: each (CAE, period, source) row is upserted with a hash of its content, and left alone
when the hash is unchanged. One transaction per CAE: a worker killed half-way leaves the CAE's
previous contribution as it was, and the next run (Celery redelivers: acks late) writes it whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from network.stats.catalog import collection_periods, is_period, period_bounds, period_ended
from network.stats.models import CaeContribution
from tenants.activity import stats as activity_stats
from tenants.people import stats as people_stats
from tenants.support import stats as support_stats

SOURCES = ("entrepreneurs", "exits", "fte", "sites", "revenue", "workshops", "attendance")


@dataclass(frozen=True)
class CollectionResult:
    cooperative: str  # schema name
    periods: tuple[str, ...]
    written: int
    unchanged: int


def _figure(f) -> list:
    return [f.people, str(f.total), str(f.top1), str(f.top2)]


def _rows(mapping: dict, value) -> list:
    return sorted([*key, *value(v)] for key, v in mapping.items())


def gather(periods: list[people_stats.Period]) -> dict[tuple[str, str], list]:
    """Run every tenant app's aggregate function in the current schema: (period, source) → rows.
    JSON-ready, sorted: the same figures always give the same rows (and hash)."""
    out: dict[tuple[str, str], list] = {}
    for cells in people_stats.period_cells(periods=periods):
        out[(cells.period, "entrepreneurs")] = _rows(cells.entrepreneurs, lambda n: [n])
        out[(cells.period, "exits")] = _rows(cells.exits, lambda n: [n])
        out[(cells.period, "fte")] = _rows(cells.fte, _figure)
        out[(cells.period, "sites")] = [[cells.sites]]
    for cells in activity_stats.period_cells(periods=periods):
        out[(cells.period, "revenue")] = _rows(cells.revenue, _figure)
    for cells in support_stats.period_cells(periods=periods):
        out[(cells.period, "workshops")] = [[cells.workshops_held]]
        out[(cells.period, "attendance")] = [_figure(cells.attendance)]
    return out


def content_hash(rows: list) -> str:
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def collection_year(value, *, today: date) -> int:
    """A year that can be collected: 2000 to this year. A later year has no figures yet (its
    contribution would hold today's sites only), an earlier one is no year of Essaim's."""
    text = str(value).strip()
    if not is_period(text) or "-Q" in text or int(text) > today.year:
        raise AppError("invalid_year", f"Année de collecte invalide : de 2000 à {today.year}.", field="year")
    return int(text)


def periods_of(year: int, today: date) -> list[people_stats.Period]:
    out = []
    for code in collection_periods(year, today=today):
        start, end = period_bounds(code)
        out.append(people_stats.Period(code, start, min(end, today)))
    return out


def collection_run(*, cooperative: Cooperative, year: int | None = None, today: date | None = None,
                   after_source=None) -> CollectionResult:
    """Collect one CAE for a year and its quarters begun by `today`. Runs inside the CAE's schema
    (entered here if needed). `after_source(n)` is called after each source row is written, inside
    the transaction (tests use it to kill the run half-way). The sites of a period that has ended
    are not rewritten once collected (see the loop)."""
    today = today or timezone.localdate()
    year = collection_year(today.year if year is None else year, today=today)
    periods = periods_of(year, today)
    previous = connection.tenant
    entered = getattr(previous, "schema_name", "public") != cooperative.schema_name
    if entered:
        connection.set_tenant(cooperative)
    try:
        written = unchanged = 0
        with transaction.atomic():
            figures = gather(periods)
            # Lock this CAE's rows: two runs of the same CAE (beat and a button) write one after
            # the other, never interleaved.
            Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
            known = {(c.period, c.source): c.content_hash for c in CaeContribution.consolidation_rows.filter(
                cooperative=cooperative, period__in=[p.code for p in periods]).only("period", "source", "content_hash")}
            now = timezone.now()
            changed = []
            for (period, source), rows in sorted(figures.items()):
                digest = content_hash(rows)
                if known.get((period, source)) == digest:
                    unchanged += 1
                    continue
                if source == "sites" and (period, source) in known and period_ended(period, today=today):
                    # Sites have no dates: the count is today's. A period that has ended keeps the
                    # count of its last collection while it ran, the closest to its own.
                    unchanged += 1
                    continue
                changed.append(CaeContribution(cooperative=cooperative, period=period, source=source, cells=rows,
                                               content_hash=digest, collected_at=now))
            # Written in slices only so that a test can kill the run between two of them.
            step = len(changed) if after_source is None else 1
            for i in range(0, len(changed), max(1, step)):
                CaeContribution.consolidation_rows.bulk_create(
                    changed[i:i + max(1, step)], update_conflicts=True,
                    unique_fields=["cooperative", "period", "source"],
                    update_fields=["cells", "content_hash", "collected_at"])
                written = min(len(changed), i + max(1, step))
                if after_source is not None:
                    after_source(written)
    finally:
        if entered:
            if previous is None or getattr(previous, "schema_name", "public") == "public":
                connection.set_schema_to_public()
            else:
                connection.set_tenant(previous)
    return CollectionResult(cooperative.schema_name, tuple(p.code for p in periods), written, unchanged)
