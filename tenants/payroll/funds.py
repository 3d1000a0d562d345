"""Where each contribution goes (the fund) and how the payroll journal books it.

A classification of the rate table's line codes, not rates: the rates stay in the table. A code
this module does not know goes to URSSAF, which collects every social-security contribution,
CSG/CRDS, and also, since 2011 and 2022, unemployment insurance, AGS, training and
apprenticeship levies on the employer's behalf (the unemployment fund is kept apart here because
CAEs and their accountants follow it on its own account, as issue 9 asks).
"""

from __future__ import annotations

from dataclasses import dataclass


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
}
TAX_OFFICE = ("dgfip", "DGFiP (impôt sur le revenu prélevé à la source)", "4421")
_AGIRC_ARRCO = {"agirc_arrco_t1", "agirc_arrco_t2", "ceg_t1", "ceg_t2", "cet"}

# The journal of the payroll entries; their accounts (PCG) are named in the ledger's chart
# (tenants/ledger/models.py ACCOUNTS), for the FEC and the API.
PAYROLL_JOURNAL = ("PA", "Paie")


def fund_of(code: str, block: str) -> str:
    if code in _AGIRC_ARRCO:
        return "agirc_arrco"
    if block == "assurance_chomage":
        return "unemployment"
    if code == "complementaire_sante":
        return "health"
    return "urssaf"
