"""Disclosure settings and the primary rules ("secret statistique"): which cells are sensitive."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from network.stats.tables import Cell, Kind


class Rule(StrEnum):
    COUNT_PEOPLE = "count_people"  # count cell: fewer than count_min_people people
    COUNT_CAES = "count_caes"  # count cell: fewer than count_min_caes CAEs
    MAGNITUDE_CAES = "magnitude_caes"  # magnitude cell: fewer than magnitude_min_caes CAEs
    MAGNITUDE_PEOPLE = "magnitude_people"  # magnitude cell: fewer than magnitude_min_people people
    P_PERCENT_CAES = "p_percent_caes"  # all CAEs but the two largest < p % of the largest
    P_PERCENT_PEOPLE = "p_percent_people"  # same over single people
    SECONDARY = "secondary"  # not sensitive, suppressed to protect a sensitive cell


class Labels(StrEnum):
    """What the published table says about a suppressed cell: the audit gives the attacker the
    knowledge it implies (see docs/stats.md, "What the labels tell")."""

    SECRET = "secret"  # only "s"
    KIND = "kind"  # "s" with primary / secondary
    RULE = "rule"  # "s" with the primary rules, or secondary


@dataclass(frozen=True)
class DisclosureSettings:
    count_min_people: int = 3
    count_min_caes: int = 2
    magnitude_min_caes: int = 3
    magnitude_min_people: int = 11
    p_percent: Decimal = Decimal(15)
    # Protection asked for each sensitive cell, on each side: protection_ratio × value, at least
    # the floor (count_min_protection, default count_min_people, for counts; the table's
    # min_protection or magnitude_min_protection, in the table's unit, for magnitudes).
    protection_ratio: Decimal = Decimal("0.10")
    count_min_protection: Decimal | None = None
    magnitude_min_protection: Decimal = Decimal(1)
    # Secondary suppression minimises the sum over suppressed cells of (value + tie), with
    # tie = tie_break × the mean value of the non-empty cells of the linked tables.
    tie_break: Decimal = Decimal("0.01")
    labels: Labels = Labels.KIND
    insiders: bool = True  # audit (and protect against) CAE and entrepreneur insiders
    max_iterations: int = 500
    # Time limits of the secondary suppression: each master MIP stops after master_seconds with
    # its best pattern so far (audited like an optimum: safe, perhaps not minimal), and the whole
    # protection gives up after protection_seconds rather than hold a page or a worker.
    master_seconds: int = 30
    protection_seconds: int = 600

    def count_floor(self) -> Decimal:
        return Decimal(self.count_min_people) if self.count_min_protection is None else self.count_min_protection


DEFAULT_SETTINGS = DisclosureSettings()


def _p_percent_fails(total: Decimal, first: Decimal, second: Decimal, p: Decimal) -> bool:
    return total - first - second < p / 100 * first


def primary_rules(cell: Cell, kind: Kind, settings: DisclosureSettings = DEFAULT_SETTINGS) -> tuple[Rule, ...]:
    """Every primary rule the cell fails; () when it may be published. An empty cell (nobody
    contributes) is a structural zero, not sensitive."""
    if cell.empty:
        return ()
    caes = len(cell.shares)
    if kind is Kind.COUNT:
        rules = []
        if cell.people < settings.count_min_people:
            rules.append(Rule.COUNT_PEOPLE)
        if caes < settings.count_min_caes:
            rules.append(Rule.COUNT_CAES)
        return tuple(rules)
    rules = []
    if caes < settings.magnitude_min_caes:
        rules.append(Rule.MAGNITUDE_CAES)
    if cell.people < settings.magnitude_min_people:
        rules.append(Rule.MAGNITUDE_PEOPLE)
    first, second = _top2_totals(cell)
    if _p_percent_fails(cell.value, first, second, settings.p_percent):
        rules.append(Rule.P_PERCENT_CAES)
    if _p_percent_fails(cell.value, cell.top1, cell.top2, settings.p_percent):
        rules.append(Rule.P_PERCENT_PEOPLE)
    return tuple(rules)


def _top2_totals(cell: Cell) -> tuple[Decimal, Decimal]:
    totals = sorted((s.total for s in cell.shares.values()), reverse=True)
    return (totals + [Decimal(0), Decimal(0)])[0], (totals + [Decimal(0), Decimal(0)])[1]


def protection_level(value: Decimal, kind: Kind, settings: DisclosureSettings,
                     table_floor: Decimal | None = None) -> Decimal:
    """Distance, on each side of a sensitive cell's value, that no attacker may narrow."""
    if kind is Kind.COUNT:
        floor = settings.count_floor()
    else:
        floor = settings.magnitude_min_protection if table_floor is None else table_floor
    return max(settings.protection_ratio * value, floor)
