"""Numbers read from query strings and form fields that are not Django form fields.

`"²".isdigit()` is true and `int("²")` fails; `"١٢".isdecimal()` is true and int() reads it. Only
ASCII decimal digits are taken here, in a range when one is given; anything else is None, so a
page falls back to its default instead of answering 500."""

from __future__ import annotations

from django.utils import timezone


def int_param(value: str | None, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = (value or "").strip()
    if not (value.isascii() and value.isdecimal()) or len(value) > 18:
        return None
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def year_param(value: str | None) -> int:
    """A year between 2000 and 2100, else this year."""
    return int_param(value, minimum=2000, maximum=2100) or timezone.localdate().year
