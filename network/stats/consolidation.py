"""Consolidation: the CAEs' stored contributions → the engine's tables (and each CAE's standing).

The only reader of `CaeContribution` (sealed, see models.py). What leaves this module is either
an engine `Table` (protected before anything is stored for display) or a CAE's own standing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from essaim.cooperatives.models import Cooperative
from network.stats.catalog import (
    DEPARTMENT_REGION,
    REGION_LABELS,
    REGIONS,
    SECTOR_LABELS,
    SECTORS,
    UNKNOWN,
    department_code,
    region_of_department,
    sector_of_naf,
)
from network.stats.models import CaeContribution
from network.stats.tables import Contribution, Dimension, Kind, Table, build_table
from tenants.people import stats as people_stats

ZERO = Decimal(0)


@dataclass(frozen=True)
class TableSpec:
    code: str
    title: str
    kind: Kind
    measure: str
    unit: str
    dimensions: tuple[str, ...]  # names, the time dimension last


# The measure names are shared on purpose: every "entrepreneurs" table counts the same people for
# the same period, so their common cells (e.g. a region's total in the region × sector table and
# in the department table) are one cell of the engine, with one status in every table.
SPECS = [
    TableSpec("entrepreneurs_region_sector", "Entrepreneur·es par région et secteur", Kind.COUNT, "entrepreneurs",
              "personnes", ("region", "sector", "time")),
    TableSpec("revenue_region_sector", "Chiffre d'affaires HT facturé par région et secteur", Kind.MAGNITUDE,
              "revenue", "€", ("region", "sector", "time")),
    TableSpec("entrepreneurs_department", "Entrepreneur·es par département", Kind.COUNT, "entrepreneurs",
              "personnes", ("department", "time")),
    TableSpec("entrepreneurs_sector_gender", "Entrepreneur·es par secteur et genre", Kind.COUNT, "entrepreneurs",
              "personnes", ("sector", "gender", "time")),
    TableSpec("entrepreneurs_stage", "Entrepreneur·es par étape du parcours", Kind.COUNT, "entrepreneurs",
              "personnes", ("stage", "time")),
    TableSpec("entrepreneurs_entry_situation", "Entrepreneur·es par situation à l'entrée", Kind.COUNT,
              "entrepreneurs", "personnes", ("entry_situation", "time")),
    TableSpec("entrepreneurs_kind", "Entrepreneur·es par type de CAE", Kind.COUNT, "entrepreneurs", "personnes",
              ("cae_kind", "time")),
    TableSpec("revenue_kind", "Chiffre d'affaires HT par type de CAE", Kind.MAGNITUDE, "revenue", "€",
              ("cae_kind", "time")),
    TableSpec("exits_outcome", "Sorties par issue", Kind.COUNT, "exits", "sorties", ("outcome", "time")),
    TableSpec("fte_sector", "Équivalents temps plein (CESA) par secteur", Kind.MAGNITUDE, "fte", "ETP",
              ("sector", "time")),
    TableSpec("caes", "CAE ayant accompagné au moins une personne", Kind.COUNT, "caes", "CAE", ("time",)),
    TableSpec("sites", "Sites d'accueil", Kind.MAGNITUDE, "sites", "sites", ("time",)),
    TableSpec("workshops", "Ateliers collectifs tenus", Kind.MAGNITUDE, "workshops", "ateliers", ("time",)),
    TableSpec("attendance", "Présences aux ateliers", Kind.MAGNITUDE, "attendance", "présences", ("time",)),
]
SPEC_BY_CODE = {s.code: s for s in SPECS}

DIMENSION_LABELS = {
    "region": "Région", "sector": "Secteur", "department": "Département", "gender": "Genre", "stage": "Étape",
    "entry_situation": "Situation à l'entrée", "cae_kind": "Type de CAE", "outcome": "Issue",
"year": "Année", "quarter": "Trimestre",
}


# What a quarter release publishes: people present during the quarter, by attributes that do not
# depend on the period's end, and the CAEs that hosted them. Not the flows (revenue, exits,
# workshops, attendance): the year is the sum of its quarters, so a quarter's cells and the year's,
# protected apart, would let a secret cell be recomputed. Nor the end-of-period figures (FTE,
# sites, the stage reached): the last quarter ends when the year does, so they equal the year's.
QUARTER_TABLES = ("entrepreneurs_region_sector", "entrepreneurs_department", "entrepreneurs_sector_gender",
                  "entrepreneurs_entry_situation", "entrepreneurs_kind", "caes")
# Tables without a dimension of their own: one cell per period (the time dimension alone).
TIME_ONLY = tuple(s.code for s in SPECS if s.dimensions == ("time",))


def table_codes(period: str) -> tuple[str, ...]:
    """The tables a release of ``period`` publishes."""
    if "-Q" in period:
        return QUARTER_TABLES
    return tuple(s.code for s in SPECS)


def _categories(name: str, labels: dict[str, dict[str, str]], seen: dict[str, set[str]],
                periods: list[str]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(code, label) of a dimension's categories, and its groups (department → region)."""
    if name == "region":
        codes = REGIONS + ([UNKNOWN] if UNKNOWN in seen[name] else [])
        return [(c, REGION_LABELS[c]) for c in codes], {}
    if name == "sector":
        codes = SECTORS + ([UNKNOWN] if UNKNOWN in seen[name] else [])
        return [(c, SECTOR_LABELS[c]) for c in codes], {}
    if name == "department":
        order = {d: i for i, d in enumerate(DEPARTMENT_REGION)}
        codes = sorted(seen["department"], key=lambda d: order.get(d, len(order)))
        # Department and region codes overlap ("84" is Vaucluse and Auvergne-Rhône-Alpes): inside
        # the engine a department is "d84", and its group the region "84", as in the region tables,
        # so that a region's cells are shared with them. Stored cells use the plain codes.
        return [(f"d{c}", c if c != UNKNOWN else "Non localisé") for c in codes], {
            f"d{c}": region_of_department(c) for c in codes}
    if name == "cae_kind":
        return [(str(v), str(label)) for v, label in Cooperative.Kind.choices], {}
    mapping = labels[name]
    codes = list(mapping) + sorted(seen[name] - set(mapping))
    return [(c, mapping.get(c, c)) for c in codes], {}


@dataclass
class Built:
    """The engine tables of a release, how to show them, and what they were built from."""

    period: str
    periods: list[str]  # the time dimension of the release: its own period
    tables: list[Table]
    categories: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sources_hash: str = ""
    standings: dict[int, dict[str, Decimal]] = field(default_factory=dict)  # cooperative id → indicator → value
    # engine table name → (published table code, its period)
    origin: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def time_name(self) -> str:
        return "quarter" if "-Q" in self.period else "year"


class _Cell:
    """One CAE's accumulated part of one interior cell."""

    __slots__ = ("people", "total", "tops")

    def __init__(self):
        self.people, self.total, self.tops = 0, ZERO, []

    def add(self, people: int, total: Decimal, top1: Decimal = ZERO, top2: Decimal = ZERO) -> None:
        self.people += people
        self.total += total
        self.tops.extend((top1, top2))

    def contribution(self, cae: str, kind: Kind) -> Contribution:
        if kind is Kind.COUNT:
            return Contribution(cae, Decimal(self.people), self.people)
        tops = sorted(self.tops, reverse=True) + [ZERO, ZERO]
        return Contribution(cae, self.total, self.people, tops[0], tops[1] if self.people > 1 else ZERO)


def _rows_by_source(periods: list[str]):
    return CaeContribution.consolidation_rows.filter(period__in=periods).order_by(
        "cooperative_id", "period", "source").values_list("cooperative_id", "period", "source", "cells",
                                                         "content_hash")


def available_periods() -> set[str]:
    return set(CaeContribution.consolidation_rows.values_list("period", flat=True).distinct())


def build(period: str, *, codes: tuple[str, ...] | None = None) -> Built:
    """Every table of a release of `period` (or only ``codes``), from the stored contributions of
    that period alone: earlier periods are shown from their own published releases."""
    kinds = dict(Cooperative.objects.values_list("pk", "kind"))
    return build_from_rows(period, _rows_by_source([period]).iterator(chunk_size=2000), cooperative_kinds=kinds,
                           labels=people_stats.labels(), codes=codes)


def build_from_rows(period: str, rows, *, cooperative_kinds: dict[int, str], labels: dict[str, dict[str, str]],
                    codes: tuple[str, ...] | None = None) -> Built:
    """The engine tables from contribution rows (cooperative id, period, source, cells, content
    hash) as stored: `build` reads them from the database, the benchmark makes them up."""
    codes = table_codes(period) if codes is None else codes
    periods = [period]
    # table code → interior coords → cae → _Cell
    acc: dict[str, dict[tuple, dict[str, _Cell]]] = {s.code: defaultdict(dict) for s in SPECS}
    seen: dict[str, set[str]] = defaultdict(set)
    standings: dict[int, dict[str, Decimal]] = defaultdict(dict)
    digest = hashlib.sha256()

    def put(code: str, coords: tuple, cae: str, *figure) -> None:
        cells = acc[code][coords]
        cell = cells.get(cae)
        if cell is None:
            cell = cells[cae] = _Cell()
        cell.add(*figure)

    for coop_id, p, source, cells, ch in rows:
        if p != period:
            continue
        digest.update(f"{coop_id}/{p}/{source}/{ch};".encode())
        kind = cooperative_kinds.get(coop_id)
        if kind is None:
            continue
        cae = str(coop_id)
        if source == "entrepreneurs":
            total = 0
            for stage, naf, gender, dept, situation, n in cells:
                sector, d = sector_of_naf(naf), department_code(dept)
                region = region_of_department(d)
                for name, value in (("region", region), ("sector", sector), ("department", d), ("gender", gender),
                                    ("stage", stage), ("entry_situation", situation)):
                    seen[name].add(value)
                put("entrepreneurs_region_sector", (region, sector, p), cae, n, Decimal(n))
                put("entrepreneurs_department", (f"d{d}", p), cae, n, Decimal(n))
                put("entrepreneurs_sector_gender", (sector, gender, p), cae, n, Decimal(n))
                put("entrepreneurs_stage", (stage, p), cae, n, Decimal(n))
                put("entrepreneurs_entry_situation", (situation, p), cae, n, Decimal(n))
                put("entrepreneurs_kind", (kind, p), cae, n, Decimal(n))
                total += n
                if gender == "F":
                    standings[coop_id]["women"] = standings[coop_id].get("women", ZERO) + n
            if total:
                put("caes", (p,), cae, 1, Decimal(1))
            standings[coop_id]["entrepreneurs"] = Decimal(total)
        elif source == "exits":
            for outcome, _naf, _dept, n in cells:
                seen["outcome"].add(outcome)
                put("exits_outcome", (outcome, p), cae, n, Decimal(n))
        elif source in ("fte", "revenue"):
            own = ZERO
            for naf, dept, people, total, top1, top2 in cells:
                sector, d = sector_of_naf(naf), department_code(dept)
                region = region_of_department(d)
                seen["region"].add(region)
                seen["sector"].add(sector)
                figure = (people, Decimal(total), Decimal(top1), Decimal(top2))
                if source == "fte":
                    put("fte_sector", (sector, p), cae, *figure)
                else:
                    put("revenue_region_sector", (region, sector, p), cae, *figure)
                    put("revenue_kind", (kind, p), cae, *figure)
                own += Decimal(total)
            standings[coop_id][source] = own
        elif source in ("sites", "workshops"):
            ((n,),) = cells
            if n:
                # The units are the sites (workshops): each weighs 1.
                put(source, (p,), cae, n, Decimal(n), Decimal(1), Decimal(1) if n > 1 else ZERO)
            standings[coop_id][source] = Decimal(n)
        elif source == "attendance":
            ((people, total, top1, top2),) = cells
            if people:
                put("attendance", (p,), cae, people, Decimal(total), Decimal(top1), Decimal(top2))

    built = Built(period, periods, [], sources_hash=digest.hexdigest(), standings=dict(standings))
    time_name = built.time_name
    built.categories[time_name] = [(period, period)]
    for spec in SPECS:
        if spec.code not in codes:
            continue
        dims = []
        for name in spec.dimensions:
            if name == "time":
                continue
            cats, groups = _categories(name, labels, seen, periods)
            built.categories[name] = cats
            if groups:
                dims.append(Dimension(name, tuple(c for c, _ in cats), groups=groups, group_name="region"))
            else:
                dims.append(Dimension(name, tuple(c for c, _ in cats)))
        min_protection = Decimal("0.5") if spec.measure == "fte" else None
        # One table per period, the period in the measure: people are counted in every period they
        # were there (no sum over periods), and a release holds its own period only. A table
        # without a dimension of its own (CAEs, sites, workshops, attendance) is its one cell.
        interior = {coords[:-1] if dims else coords: [cell.contribution(cae, spec.kind)
                                                      for cae, cell in sorted(by_cae.items())]
                    for coords, by_cae in acc[spec.code].items() if coords[-1] == period}
        name = f"{spec.code}@{period}"
        built.tables.append(build_table(name=name, measure=f"{spec.measure}@{period}", kind=spec.kind,
                                        dimensions=dims or [Dimension(time_name, (period,))],
                                        contributions=interior, min_protection=min_protection))
        built.origin[name] = (spec.code, period)
    return built
