"""Additive statistical tables built from what each CAE reports, per cell.

A table is the cross product of its dimensions (one, two or three). Each dimension has leaf
categories, optionally grouped one level (departments within regions), and a margin ``"*"``. The
interior cells (every coordinate a leaf) receive the CAEs' contributions; every other cell is a
margin that the engine computes as the sum of its children, and the additive equations (each
margin = sum of its children, along each non-leaf coordinate) follow from that structure.

Input, per interior cell and per CAE (:class:`Contribution`): the CAE's total for the cell, the
number of people it counts in the cell, and the two largest contributions of single people. This
is enough for every disclosure rule without an individual row leaving the CAE's schema:

- the CAE p%-rule needs the per-CAE totals;
- the people p%-rule needs the cell's two largest individuals, which are among the union of the
  CAEs' top-two lists; and because a person lies in exactly one interior cell of a table (the
  interior cells partition the people), a margin's two largest people are likewise among its
  children's top-two lists, so margins are computed from the same figures.

For a count table (people), a contribution's total is its number of people; the top-two figures
are derived (1 and 1) and need not be given.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

MARGIN = "*"

ZERO = Decimal(0)


class Kind(StrEnum):
    COUNT = "count"  # people counted in the cell
    MAGNITUDE = "magnitude"  # revenue, FTE, contributions: sums of non-negative amounts


@dataclass(frozen=True)
class Dimension:
    """A classification: leaf ``categories``, optionally each mapped to a group (``groups``, e.g.
    department → region) whose cells are named ``group_name`` in the cell keys, and the margin."""

    name: str
    categories: tuple[str, ...]
    groups: Mapping[str, str] = field(default_factory=dict)
    group_name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        if not self.categories:
            raise ValueError(f"dimension {self.name!r} has no category")
        if len(set(self.categories)) != len(self.categories) or MARGIN in self.categories:
            raise ValueError(f"dimension {self.name!r}: categories must be distinct and not {MARGIN!r}")
        if self.groups:
            if set(self.groups) != set(self.categories):
                raise ValueError(f"dimension {self.name!r}: every category needs a group")
            if set(self.groups.values()) & (set(self.categories) | {MARGIN}):
                raise ValueError(f"dimension {self.name!r}: group codes must differ from categories")
            if not self.group_name or self.group_name == self.name:
                raise ValueError(f"dimension {self.name!r}: grouped dimensions need their own group_name")

    def group_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.groups[c] for c in self.categories)) if self.groups else ()

    def nodes(self) -> tuple[str, ...]:
        return (*self.categories, *self.group_codes(), MARGIN)

    def is_leaf(self, node: str) -> bool:
        return node in self.categories

    def children(self, node: str) -> tuple[str, ...]:
        if node == MARGIN:
            return self.group_codes() or self.categories
        if node in self.categories:
            return ()
        return tuple(c for c in self.categories if self.groups[c] == node)

    def up(self, node: str) -> tuple[str, ...]:
        """The node and its ancestors, margin last."""
        if node == MARGIN:
            return (MARGIN,)
        if node in self.categories and self.groups:
            return (node, self.groups[node], MARGIN)
        return (node, MARGIN)

    def key_name(self, node: str) -> str:
        return self.group_name if self.groups and node in self.groups.values() else self.name


@dataclass(frozen=True)
class Contribution:
    """What one CAE reports for one interior cell: ``total`` (its sum, or its number of people for
    a count table), ``people`` (how many people it counts there) and ``top1``/``top2``, the two
    largest contributions of single people (0 when there are fewer people)."""

    cae: str
    total: Decimal
    people: int
    top1: Decimal = ZERO
    top2: Decimal = ZERO


@dataclass(frozen=True)
class Share:
    """One CAE's part of a cell (interior or margin)."""

    total: Decimal
    people: int
    top1: Decimal
    top2: Decimal


def _top2(values: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    first = second = ZERO
    for v in values:
        if v > first:
            first, second = v, first
        elif v > second:
            second = v
    return first, second


@dataclass(frozen=True)
class Cell:
    coords: tuple[str, ...]
    value: Decimal
    people: int
    shares: Mapping[str, Share]  # per CAE with people > 0
    top1: Decimal  # largest single person in the cell
    top2: Decimal
    interior: bool

    @property
    def empty(self) -> bool:
        """No contributor: a structural zero, published as 0 (see docs/stats.md)."""
        return self.people == 0


CellKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Table:
    name: str
    measure: str
    kind: Kind
    dimensions: tuple[Dimension, ...]
    cells: Mapping[tuple[str, ...], Cell]
    min_protection: Decimal | None = None  # magnitude tables: overrides the settings' floor

    def key(self, coords: Sequence[str]) -> CellKey:
        """The cell's identity across tables: the measure and its non-margin coordinates, by name.
        Two tables that hold the same key share that cell (linked tables)."""
        named = sorted((d.key_name(c), c) for d, c in zip(self.dimensions, coords, strict=True) if c != MARGIN)
        return self.measure, tuple(named)

    def equations(self) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
        """(margin, its children) for every margin and every non-leaf coordinate of it."""
        out = []
        for coords in self.cells:
            for d, (dim, node) in enumerate(zip(self.dimensions, coords, strict=True)):
                if not dim.is_leaf(node):
                    children = tuple(coords[:d] + (child,) + coords[d + 1:] for child in dim.children(node))
                    out.append((coords, children))
        return out

    def ancestors(self, coords: Sequence[str]) -> list[tuple[str, ...]]:
        """Every cell that contains this one, itself included."""
        return list(itertools.product(*(d.up(c) for d, c in zip(self.dimensions, coords, strict=True))))


def _check(kind: Kind, c: Contribution, where: str) -> Contribution:
    if c.people < 0 or c.total < 0 or c.top1 < 0 or c.top2 < 0:
        raise ValueError(f"{where}: negative figure from {c.cae!r}")
    if kind is Kind.COUNT:
        if c.total != c.people:
            raise ValueError(f"{where}: a count contribution's total is its number of people ({c.cae!r})")
        one = Decimal(1)
        return Contribution(c.cae, Decimal(c.people), c.people, one if c.people >= 1 else ZERO,
                            one if c.people >= 2 else ZERO)
    if c.people == 0 and (c.total or c.top1 or c.top2):
        raise ValueError(f"{where}: {c.cae!r} reports an amount without people")
    if c.people == 1 and (c.top1 != c.total or c.top2):
        raise ValueError(f"{where}: {c.cae!r} has one person, whose contribution is the total")
    if c.top2 > c.top1 or c.top1 + c.top2 > c.total:
        raise ValueError(f"{where}: {c.cae!r} top contributions are inconsistent with its total")
    return c


def build_table(*, name: str, measure: str, kind: Kind, dimensions: Sequence[Dimension],
                contributions: Mapping[tuple[str, ...], Iterable[Contribution]],
                min_protection: Decimal | None = None) -> Table:
    """Aggregate the CAEs' contributions into every cell, margins included."""
    dims = tuple(dimensions)
    if not 1 <= len(dims) <= 3:
        raise ValueError("a table has one, two or three dimensions")
    if len({d.name for d in dims} | {d.group_name for d in dims if d.group_name}) != (
            len(dims) + sum(1 for d in dims if d.group_name)):
        raise ValueError("dimension names must be distinct")
    Acc = dict[str, list]  # cae -> [total, people, [tops]]
    acc: dict[tuple[str, ...], Acc] = {coords: {} for coords in itertools.product(*(d.nodes() for d in dims))}
    table = Table(name, measure, kind, dims, {}, min_protection)
    for coords, items in contributions.items():
        coords = tuple(coords)
        if len(coords) != len(dims) or not all(d.is_leaf(c) for d, c in zip(dims, coords, strict=True)):
            raise ValueError(f"{name}: {coords!r} is not an interior cell")
        seen = set()
        for raw in items:
            c = _check(kind, raw, f"{name} {coords!r}")
            if c.cae in seen:
                raise ValueError(f"{name} {coords!r}: {c.cae!r} reported twice")
            seen.add(c.cae)
            if c.people == 0:
                continue
            for target in table.ancestors(coords):
                slot = acc[target].setdefault(c.cae, [ZERO, 0, []])
                slot[0] += c.total
                slot[1] += c.people
                slot[2].extend((c.top1, c.top2))
    cells = {}
    for coords, by_cae in acc.items():
        shares = {}
        for cae, (total, people, tops) in sorted(by_cae.items()):
            shares[cae] = Share(total, people, *_top2(tops))
        top1, top2 = _top2(v for s in shares.values() for v in (s.top1, s.top2))
        interior = all(d.is_leaf(c) for d, c in zip(dims, coords, strict=True))
        cells[coords] = Cell(coords, sum((s.total for s in shares.values()), ZERO),
                             sum(s.people for s in shares.values()), shares, top1, top2, interior)
    return Table(name, measure, kind, dims, cells, min_protection)
