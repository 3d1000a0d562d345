"""Where each contribution goes (the fund) and how the payroll journal books it.

Which fund collects a contribution line is data: the rate table's `fund` key on each line
(payrates/rateset.py FUNDS), copied into each payslip line's stored detail when it is computed.
This module only says how each fund is booked (its class 43 and 645 accounts). In the 2026 table
URSSAF collects every social-security contribution, CSG/CRDS and the employer's levies; the
unemployment fund (unemployment insurance and AGS, collected by URSSAF too in practice) is kept
apart because CAEs and their accountants follow it on its own account, as issue 9 asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from essaim.core.errors import AppError
from essaim.payrates.selectors import rates_for


@dataclass(frozen=True)
class Fund:
    code: str
    label: str
    payable: str  # class 43 account credited with what is due to the fund
    aux: str  # auxiliary account on it
    expense: str  # class 645 account debited with the employer's share


FUNDS = {
    "urssaf": Fund("urssaf", "URSSAF (sécurité sociale, CSG/CRDS, contributions patronales)", "431", "URSSAF",
                   "6451"),
    "agirc_arrco": Fund("agirc_arrco", "AGIRC-ARRCO (retraite complémentaire)", "437", "AGIRC-ARRCO", "6453"),
    "unemployment": Fund("unemployment", "Assurance chômage et AGS (France Travail / Unédic)", "437", "CHOMAGE",
                         "6454"),
    "health": Fund("health", "Organisme de complémentaire santé", "437", "SANTE", "6452"),
}  # one per fund a rate table may name (payrates.rateset.FUNDS; tested)
TAX_OFFICE = ("dgfip", "DGFiP (impôt sur le revenu prélevé à la source)", "4421")
# A stored line whose code no rate table knows any more (a table replaced since): URSSAF, which
# collects whatever is not paid to another body.
DEFAULT_FUND = "urssaf"

# The journal of the payroll entries; their accounts (PCG) are named in the ledger's chart
# (tenants/ledger/models.py ACCOUNTS), for the FEC and the API.
PAYROLL_JOURNAL = ("PA", "Paie")


class FundResolver:
    """The fund of each stored payslip line (`PayrollLine.detail` item) of a month: the item's
    own `fund`; for lines computed before the rate tables carried it (closed runs are never
    rewritten), the fund of its code in the table in force that month, read once and only if
    needed."""

    def __init__(self, on: date):
        self.on = on
        self._table: dict[str, str] | None = None

    def __call__(self, item: dict) -> str:
        fund = item.get("fund")
        if fund in FUNDS:
            return fund
        if self._table is None:
            try:
                self._table = {line.code: line.fund for line in rates_for(self.on).lines}
            except AppError:
                self._table = {}
        return self._table.get(item["code"], DEFAULT_FUND)
