"""Small builders for hand-made tables."""

from __future__ import annotations

from decimal import Decimal

from network.stats import Contribution, Dimension, Kind, build_table


def money(cae: str, total, people: int = 12, top1=None, top2=None) -> Contribution:
    """A magnitude contribution; by default spread evenly over ``people`` people."""
    total = Decimal(total)
    if people == 1:
        return Contribution(cae, total, 1, total, Decimal(0))
    share = total / people
    return Contribution(cae, total, people, Decimal(top1) if top1 is not None else share,
                        Decimal(top2) if top2 is not None else share)


def heads(cae: str, people: int) -> Contribution:
    return Contribution(cae, Decimal(people), people)


def row_table(values: dict[str, list[Contribution]], *, name="t", measure="revenue", kind=Kind.MAGNITUDE,
              min_protection=None):
    dim = Dimension("sector", tuple(values))
    return build_table(name=name, measure=measure, kind=kind, dimensions=(dim,),
                       contributions={(k,): v for k, v in values.items()}, min_protection=min_protection)


def safe(value, caes=("a", "b", "c")) -> list[Contribution]:
    """A non-sensitive magnitude cell of the given value (three equal CAEs, 12 people each)."""
    value = Decimal(value)
    parts = [value / len(caes)] * len(caes)
    return [money(cae, part) for cae, part in zip(caes, parts, strict=True)]
