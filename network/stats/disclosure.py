"""Disclosure control of a set of tables: primary rules, secondary suppression, audit.

    result = protect_tables([table_a, table_b, ...], settings)
    result.ok                      # every table passed the audit (outsider and insider rounds)
    result.tables[0].cells[("R11", "*")].status   # published / empty / primary / secondary

Tables that share cells are protected together (see network/stats/model.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import numpy as np

from network.stats.audit import Auditor, AuditReport
from network.stats.model import Problem, components
from network.stats.rules import DEFAULT_SETTINGS, DisclosureSettings, Rule
from network.stats.secondary import Pattern, heuristic_pattern, optimal_pattern
from network.stats.tables import Dimension, Kind, Table


class Status(StrEnum):
    PUBLISHED = "published"
    EMPTY = "empty"  # nobody contributes: published as 0
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class PublishedCell:
    coords: tuple[str, ...]
    value: Decimal | None  # None when suppressed
    status: Status
    rules: tuple[Rule, ...] = ()  # the primary rules the cell fails, or (SECONDARY,)

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class ProtectedTable:
    """What may leave the consolidation code: no per-CAE share, no person."""

    name: str
    measure: str
    kind: Kind
    dimensions: tuple[Dimension, ...]
    cells: dict[tuple[str, ...], PublishedCell]

    def suppressed_cells(self) -> int:
        return sum(1 for c in self.cells.values() if c.suppressed)


@dataclass
class ComponentResult:
    problem: Problem
    pattern: Pattern

    @property
    def audit(self) -> AuditReport:
        return self.pattern.audit


@dataclass
class Protection:
    tables: list[ProtectedTable]
    components: list[ComponentResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.audit.ok for c in self.components)

    def suppressed_cells(self) -> int:
        return sum(int(c.pattern.suppressed.sum()) for c in self.components)

    def suppressed_value(self) -> Decimal:
        return sum((v for c in self.components for v, s in zip(c.problem.value_dec, c.pattern.suppressed, strict=True)
                    if s), Decimal(0))


def _publish(problem: Problem, suppressed: np.ndarray) -> dict[int, dict[tuple[str, ...], PublishedCell]]:
    out: dict[int, dict[tuple[str, ...], PublishedCell]] = {}
    for i, refs in enumerate(problem.refs):
        if problem.empty[i]:
            status, value, rules = Status.EMPTY, Decimal(0), ()
        elif problem.primary[i]:
            status, value, rules = Status.PRIMARY, None, problem.rules[i]
        elif suppressed[i]:
            status, value, rules = Status.SECONDARY, None, (Rule.SECONDARY,)
        else:
            status, value, rules = Status.PUBLISHED, problem.value_dec[i], ()
        for t, coords in refs:
            out.setdefault(t, {})[coords] = PublishedCell(coords, value, status, rules)
    return out


def protect_tables(tables: Sequence[Table], settings: DisclosureSettings = DEFAULT_SETTINGS, *,
                   method: str = "optimal") -> Protection:
    """Apply the primary rules, choose the secondary suppressions (``method`` "optimal", or
    "heuristic" for the baseline) and audit the result."""
    started = time.perf_counter()
    if len({t.name for t in tables}) != len(tables):
        raise ValueError("table names must be distinct")
    choose = {"optimal": optimal_pattern, "heuristic": heuristic_pattern}[method]
    published: dict[str, dict[tuple[str, ...], PublishedCell]] = {}
    results = []
    for group in components(tables):
        problem = Problem(group, settings)
        pattern = choose(problem, Auditor(problem))
        results.append(ComponentResult(problem, pattern))
        for t, cells in _publish(problem, pattern.suppressed).items():
            published[group[t].name] = cells
    out = [ProtectedTable(t.name, t.measure, t.kind, t.dimensions,
                          {coords: published[t.name][coords] for coords in t.cells}) for t in tables]
    return Protection(out, results, time.perf_counter() - started)


def audit_tables(tables: Sequence[Table], suppressed: Mapping[str, set[tuple[str, ...]]],
                 settings: DisclosureSettings = DEFAULT_SETTINGS) -> list[AuditReport]:
    """Audit a given pattern (table name → suppressed coordinates), e.g. a stored release. A cell
    shared by linked tables counts as published if any of its tables publishes it."""
    reports = []
    for group in components(tables):
        problem = Problem(group, settings)
        x = np.ones(problem.n, dtype=bool)
        for i, refs in enumerate(problem.refs):
            for t, coords in refs:
                if coords not in suppressed.get(group[t].name, set()):
                    x[i] = False
        reports.append(Auditor(problem).run(x, insiders=settings.insiders))
    return reports
