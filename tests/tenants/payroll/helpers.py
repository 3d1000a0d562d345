"""The 2026 rate table as shipped, parsed without the database, and the refs' assumptions."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache

from essaim.payrates.rateset import DATA_DIR, RateSet, rateset_parse
from tenants.payroll.engine import CaeSettings

D = Decimal


def shipped_document() -> dict:
    return json.loads((DATA_DIR / "fr-2026.json").read_text(encoding="utf-8"))


@cache
def rates_2026() -> RateSet:
    return rateset_parse(shipped_document())


# The refs' worked figures assume fewer than 50 staff, AT/MP 1 % and no health cover; the
# 1,867.81 total cost at the SMIC needs the 1 % training rate, i.e. 11 to 49 staff.
REFS = CaeSettings(headcount_band="11_49", atmp_rate=D("0.01"))
