"""Money is Decimal with two places, rounded half up (the French commercial usage)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def has_more_places(value: Decimal, places: int) -> bool:
    """Whether a finite `value` is written with more than `places` decimal places (1.125: 3)."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent < -places
