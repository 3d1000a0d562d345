"""Reads of the rate tables."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.http import Http404

from essaim.core.errors import AppError

from .models import RateTable
from .rateset import RateSet, rateset_parse

if TYPE_CHECKING:
    from essaim.accounts.models import User


def rates_for(on: datetime.date) -> RateSet:
    """The rate set in force on `on`: the table with the latest `valid_from` not after it, unless
    that table was closed (`valid_to`) before `on`."""
    table = RateTable.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    if table is None or (table.valid_to is not None and table.valid_to < on):
        raise AppError("payrates_missing", f"Aucun barème de paie n'est en vigueur le {on:%d/%m/%Y}.",
                       field="date", status=409)
    return rateset_parse(table.document)


def rate_table_get_for(*, actor: User, pk: int) -> RateTable:
    """A rate table for the network staff (its pages are theirs), or 404."""
    table = (RateTable.objects.select_related("created_by").filter(pk=pk).first()
             if actor.is_network_staff else None)
    if table is None:
        raise Http404("Barème introuvable.")
    return table
