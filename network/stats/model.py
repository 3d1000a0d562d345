"""The linear model shared by the audit and the secondary suppression.

Linked tables (tables that share cells, e.g. the same region totals) are merged into one
:class:`Problem`: a cell that appears in several tables is one variable, and the equations are
the union of every table's equations. Protection and audit run on the whole problem, so a shared
margin is either published in all its tables or suppressed in all of them, and no combination of
the tables narrows a sensitive cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from network.stats.rules import DisclosureSettings, Labels, Rule, primary_rules, protection_level
from network.stats.tables import CellKey, Kind, Table


@dataclass(frozen=True)
class Attacker:
    """Who tries to narrow the suppressed cells, and what they know beforehand: a lower bound on
    some cells (an insider's own part of them), on top of what everybody knows."""

    kind: str  # "outsider" | "cae" | "person"
    label: str
    cells: np.ndarray  # cell indices
    lower: np.ndarray  # known lower bound of each of those cells


OUTSIDER = Attacker("outsider", "outsider", np.zeros(0, dtype=np.int64), np.zeros(0))


def components(tables: Sequence[Table]) -> list[list[Table]]:
    """Group tables that share at least one cell (transitively)."""
    parent = list(range(len(tables)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[CellKey, int] = {}
    for i, table in enumerate(tables):
        for coords in table.cells:
            key = table.key(coords)
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Table]] = {}
    for i, table in enumerate(tables):
        groups.setdefault(find(i), []).append(table)
    return list(groups.values())


class Problem:
    """Cells (one per key), their values, sensitivity, protection and a priori bounds, and the
    additive equations, for a set of linked tables."""

    def __init__(self, tables: Sequence[Table], settings: DisclosureSettings):
        self.tables = list(tables)
        self.settings = settings
        self.keys: list[CellKey] = []
        self.index: dict[CellKey, int] = {}
        self.refs: list[list[tuple[int, tuple[str, ...]]]] = []
        cells = []
        kinds: list[Kind] = []
        floors: list[float] = []
        for t, table in enumerate(self.tables):
            for coords, cell in table.cells.items():
                key = table.key(coords)
                i = self.index.get(key)
                if i is None:
                    i = self.index[key] = len(self.keys)
                    self.keys.append(key)
                    self.refs.append([])
                    cells.append(cell)
                    kinds.append(table.kind)
                    floors.append(float(protection_level(cell.value, table.kind, settings, table.min_protection)))
                else:
                    other = cells[i]
                    if (kinds[i] is not table.kind or other.value != cell.value or other.people != cell.people
                            or {c: s.total for c, s in other.shares.items()}
                            != {c: s.total for c, s in cell.shares.items()}):
                        raise ValueError(f"cell {key!r} differs between linked tables (in {table.name!r})")
                    floors[i] = max(floors[i], float(protection_level(cell.value, table.kind, settings,
                                                                      table.min_protection)))
                self.refs[i].append((t, coords))
        n = self.n = len(self.keys)
        self.cells = cells
        self.kinds = kinds
        self.value_dec = [c.value for c in cells]
        self.value = np.array([float(c.value) for c in cells])
        self.empty = np.array([c.empty for c in cells], dtype=bool)
        self.rules: list[tuple[Rule, ...]] = [primary_rules(c, k, settings) for c, k in zip(cells, kinds, strict=True)]
        self.primary = np.array([bool(r) for r in self.rules], dtype=bool)
        self.protection = np.array(floors)
        self.public_lower, self.public_upper = self._public_bounds()

        seen = set()
        self.equations: list[tuple[int, tuple[int, ...]]] = []
        for table in self.tables:
            for parent_coords, children in table.equations():
                parent = self.index[table.key(parent_coords)]
                kids = tuple(sorted(self.index[table.key(c)] for c in children))
                if (parent, kids) not in seen:
                    seen.add((parent, kids))
                    self.equations.append((parent, kids))
        self.cell_equations: list[list[int]] = [[] for _ in range(n)]
        for e, (parent, kids) in enumerate(self.equations):
            for i in (parent, *kids):
                self.cell_equations[i].append(e)

        mean = self.value[~self.empty].mean() if (~self.empty).any() else 1.0
        self.tie = float(settings.tie_break) * (mean if mean > 0 else 1.0)
        self.weight = self.value + self.tie

        self._cae_attackers: list[Attacker] | None = None
        self._person_attackers: list[Attacker] | None = None

    def _public_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """What everybody knows of a cell if it is suppressed: it is not empty (empty cells are
        published as 0), and whatever its label implies."""
        s = self.settings
        lower = np.zeros(self.n)
        upper = np.full(self.n, math.inf)
        for i, (kind, rules) in enumerate(zip(self.kinds, self.rules, strict=True)):
            if self.empty[i]:
                upper[i] = 0.0
                continue
            if kind is not Kind.COUNT:
                continue
            lower[i] = 1.0
            if not rules:
                if s.labels is not Labels.SECRET:
                    lower[i] = float(s.count_min_people)  # "secondary": not sensitive, so enough people
            elif s.labels is Labels.RULE:
                if Rule.COUNT_PEOPLE in rules:
                    upper[i] = float(s.count_min_people - 1)
                else:
                    lower[i] = float(s.count_min_people)
        return lower, upper

    def cae_attackers(self) -> list[Attacker]:
        """Each CAE knows its own part of every cell."""
        if self._cae_attackers is None:
            by_cae: dict[str, tuple[list[int], list[float]]] = {}
            for i, cell in enumerate(self.cells):
                for cae, share in cell.shares.items():
                    idx, low = by_cae.setdefault(cae, ([], []))
                    idx.append(i)
                    low.append(float(share.total))
            self._cae_attackers = [Attacker("cae", cae, np.array(idx, dtype=np.int64), np.array(low))
                                   for cae, (idx, low) in sorted(by_cae.items())]
        return self._cae_attackers

    def person_attackers(self) -> list[Attacker]:
        """The largest single contributor of each non-empty interior cell knows the cell (and every
        margin containing it, in that table) is at least their own figure. Smaller people of the
        same cell know less, so they need no round of their own."""
        if self._person_attackers is None:
            out = []
            for table in self.tables:
                for coords, cell in table.cells.items():
                    if not cell.interior or cell.empty:
                        continue
                    idx = np.array(sorted({self.index[table.key(a)] for a in table.ancestors(coords)}), dtype=np.int64)
                    out.append(Attacker("person", f"{table.name} {'/'.join(coords)}", idx,
                                        np.full(len(idx), float(cell.top1))))
            self._person_attackers = out
        return self._person_attackers

    def describe(self, i: int) -> str:
        t, coords = self.refs[i][0]
        return f"{self.tables[t].name} {'/'.join(coords)}"
