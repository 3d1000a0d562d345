"""Reads of the rate tables."""

from __future__ import annotations

import datetime

from essaim.core.errors import AppError

from .models import RateTable
from .rateset import RateSet, rateset_parse


def rates_for(on: datetime.date) -> RateSet:
    """The rate set in force on `on`: the table with the latest `valid_from` not after it, unless
    that table was closed (`valid_to`) before `on`."""
    table = RateTable.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if table is None or (table.valid_to is not None and table.valid_to < on):
        raise AppError("payrates_missing", f"Aucun barème de paie n'est en vigueur le {on:%d/%m/%Y}.",
                       field="date", status=409)
    return rateset_parse(table.document)
