"""The lifecycle statuses of an invoice and the reasons they carry (XP Z12-012 / XP Z12-014, rules of
the FNFE-MPE), as data.

The lists are read from `data/lifecycle_statuses.csv` and `data/lifecycle_reasons.csv`, whose header
comments name their sources (files, repository, commit, version, date). Every row carries the rules
version it belongs to (`version`, `valid_from`): a later FNFE-MPE version is added as rows beside the
current ones, and `NORM_VERSION` moves when it applies; every function takes `version=` to read
another one.

What a status says, per column:
- `issuer`: who poses it — the platform (transmission statuses, message type 305), the buyer or the
  seller (processing statuses, message type 23).
- `to_ppf`: one of the four statuses sent to the tax authority (200, 210, 212, 213).
- `reason_required`: BR-FR-CDV-15 (206, 207, 208, 210, 213, 501).
- `seller_action` — our decision: the status asks the entrepreneur to do something (correct, complete,
  re-send, issue a credit note): 206, 207, 208, 210, 213, 221, 501. 206 is in because the part the buyer
  did not approve calls for a credit note or a talk with the buyer.
- `final` — our decision: no status follows. 210 and 213 (terminal per XP Z12-014 Annex B §1.2), 220,
  501 (the file never became an invoice). 212 is not final: several partial receipts may follow one
  another; the activity app decides when an invoice is settled.

Not modelled: the complementary statuses BR-FR-CDV-CL-06 also admits (`OTHER_NORM_STATUSES`: factoring
and others, whose labels are in XP Z12-012 Annex A, which we could not read) — `status()` refuses them
with a message saying so. The reason labels marked `label_source=essaim` are our wording from the
code, to be checked against that Annex.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, cast

from essaim.core.errors import AppError

NORM_VERSION = "FNFE-MPE V1.4.0"
DATA_DIR = Path(__file__).resolve().parent / "data"
STATUSES_FILE = DATA_DIR / "lifecycle_statuses.csv"
REASONS_FILE = DATA_DIR / "lifecycle_reasons.csv"

type Issuer = Literal["platform", "buyer", "seller"]
type Phase = Literal["transmission", "traitement"]
ISSUERS: frozenset[str] = frozenset({"platform", "buyer", "seller"})
PHASES: frozenset[str] = frozenset({"transmission", "traitement"})

# Closed lists the FNFE-MPE V1.4.0 schematron states in its rules (BR-FR-CDV-Schematron-CDAR.sch,
# fnfempe/France_RFE commit e3d41d6b14f7d2fcb94e05e205391d88823c8de6). Rules tied to one version:
# when a later version changes them they become a table keyed by version, like the lists above.
MESSAGE_TYPES = frozenset({"305", "23"})  # BR-FR-CDV-09 (MDT-77)
TRANSMISSION, PROCESSING = "305", "23"
DOCUMENT_TYPES = frozenset(["380", "389", "393", "501", "386", "500", "384", "471", "472", "473", "261", "262", "381", "396", "502", "503"])  # BR-FR-04
BUSINESS_PROCESSES = frozenset({"REGULATED", "NON_REGULATED", "B2C", "B2CINT", "B2BINT", "OUTOFSCOPE"})  # CL-01
PARTY_ROLES = frozenset({"BY", "AB", "DL", "SE", "SR", "PE", "PR", "II", "IV"})  # CL-03 (issuer of a 23)
SENDER_ROLES_PROCESSING = PARTY_ROLES | {"WK"}  # CL-02 (sender of a 23)
RECIPIENT_ROLES = PARTY_ROLES | {"WK", "DFH"}  # CL-04 (MDT-59)
ACTION_CODES = frozenset(["NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"])  # CL-10 (MDT-121)
CHARACTERISTIC_TYPES = frozenset(["MEN", "MPA", "RAP", "ESC", "RAB", "REM", "MAP", "MAPTTC", "MNA", "MNATTC", "CBB", "DIV", "DVA", "MAJ"])  # CL-11
OTHER_NORM_STATUSES = frozenset(["214", "224", "225", "226", "227", "228", "250", "251", "300", "301", "400", "401", "500", "601"])  # CL-06
GUIDELINE_INVOICE = "urn.cpro.gouv.fr:1p0:CDV:invoice"  # BR-FR-CDV-02 (MDT-3)
GUIDELINE_PPF = "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2"  # only for the copy sent to the PPF alone
PLATFORM_SCHEME = "0238"  # platform numbers (PA, PPF)
PPF_NUMBER = "0000"  # the PPF as the single recipient of its copy (BR-FR-CDV-02)
B2G_NUMBER = "9999"  # Chorus Pro: a refusal sent by it may use the public-buyer reasons (CL-09 210B2G)
SIREN_SCHEME = "0002"


class UnknownCodeError(AppError, LookupError):
    """A code is not in the list of the rules version asked for."""


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    phase: Phase
    message_type: str
    issuer: Issuer
    to_ppf: bool
    reason_required: bool
    seller_action: bool
    final: bool
    document_status: str  # MDT-88 (UNCL 1373) as the official examples give it; "" = not sent
    version: str
    valid_from: date

    @property
    def process_label(self) -> str:
        """MDT-106 as the official examples write it ("Mise_à_disposition")."""
        return self.label.replace(" ", "_")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    label_source: str  # "exemple" (official example text) or "essaim" (our wording)
    statuses: frozenset[str]  # statuses whose rule restricts reasons and admits this one
    statuses_b2g: frozenset[str]  # admitted in addition when the refusal comes from Chorus Pro
    version: str
    valid_from: date

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != columns:
        raise RuntimeError(f"{path.name}: colonnes {reader.fieldnames}, attendu {list(columns)}")
    return list(reader)


def _flag(value: str, where: str) -> bool:
    if value not in ("true", "false"):
        raise RuntimeError(f"{where}: « {value} » n'est ni true ni false")
    return value == "true"


@cache
def _statuses(version: str) -> dict[str, Status]:
    columns = ("version", "valid_from", "code", "label", "phase", "message_type", "issuer", "to_ppf",
               "reason_required", "seller_action", "final", "document_status")
    result: dict[str, Status] = {}
    for row in _rows(STATUSES_FILE, columns):
        if row["version"] != version:
            continue
        where = f"{STATUSES_FILE.name} {row['code']}"
        if row["phase"] not in PHASES or row["issuer"] not in ISSUERS or row["message_type"] not in MESSAGE_TYPES:
            raise RuntimeError(f"{where}: phase, émetteur ou type de message inconnu")
        result[row["code"]] = Status(
            code=row["code"], label=row["label"], phase=cast(Phase, row["phase"]),
            message_type=row["message_type"], issuer=cast(Issuer, row["issuer"]),
            to_ppf=_flag(row["to_ppf"], where), reason_required=_flag(row["reason_required"], where),
            seller_action=_flag(row["seller_action"], where), final=_flag(row["final"], where),
            document_status=row["document_status"], version=version,
            valid_from=date.fromisoformat(row["valid_from"]))
    if not result:
        raise UnknownCodeError("einvoicing_norm_unknown", f"Aucun statut de cycle de vie pour la version « {version} ».")
    return result


@cache
def _reasons(version: str) -> dict[str, Reason]:
    columns = ("version", "valid_from", "code", "label", "label_source", "statuses", "statuses_b2g")
    result: dict[str, Reason] = {}
    for row in _rows(REASONS_FILE, columns):
        if row["version"] != version:
            continue
        result[row["code"]] = Reason(
            code=row["code"], label=row["label"], label_source=row["label_source"],
            statuses=frozenset(row["statuses"].split()), statuses_b2g=frozenset(row["statuses_b2g"].split()),
            version=version, valid_from=date.fromisoformat(row["valid_from"]))
    if not result:
        raise UnknownCodeError("einvoicing_norm_unknown", f"Aucun motif de statut pour la version « {version} ».")
    return result


def status(code: str, *, version: str = NORM_VERSION) -> Status:
    """The status `code`; UnknownCodeError (French message) when the list has no such code."""
    found = _statuses(version).get(code)
    if found is not None:
        return found
    if code in OTHER_NORM_STATUSES:
        message = (f"Le statut de cycle de vie « {code} » est admis par la norme ({version}) mais n'est pas "
                   "pris en charge par Essaim.")
    else:
        message = f"Statut de cycle de vie inconnu : « {code} » (liste {version})."
    raise UnknownCodeError("einvoicing_status_unknown", message, field="status")


def statuses(*, version: str = NORM_VERSION) -> tuple[Status, ...]:
    return tuple(_statuses(version).values())


def is_status(code: str, *, version: str = NORM_VERSION) -> bool:
    return code in _statuses(version)


def reason(code: str, *, version: str = NORM_VERSION) -> Reason:
    """The reason `code`; UnknownCodeError (French message) when the list has no such code."""
    found = _reasons(version).get(code)
    if found is None:
        raise UnknownCodeError("einvoicing_reason_unknown", f"Motif de statut inconnu : « {code} » (liste {version}).",
                               field="reason_code")
    return found


def reasons(*, version: str = NORM_VERSION) -> tuple[Reason, ...]:
    return tuple(_reasons(version).values())


def is_reason(code: str, *, version: str = NORM_VERSION) -> bool:
    return code in _reasons(version)


def _restricted(version: str) -> frozenset[str]:
    """Statuses whose rule (BR-FR-CDV-CL-09) names the reasons they admit."""
    return frozenset().union(*(r.statuses | r.statuses_b2g for r in _reasons(version).values()))


def reasons_for(status_code: str, *, b2g: bool = False, version: str = NORM_VERSION) -> tuple[Reason, ...]:
    """The reasons the rule names for `status_code` (with the public-buyer ones when `b2g`); empty for a
    status whose rule names none (it then admits any reason of the list, see `reason_allowed`)."""
    return tuple(r for r in _reasons(version).values()
                 if status_code in r.statuses or (b2g and status_code in r.statuses_b2g))


def reason_allowed(reason_code: str, status_code: str, *, b2g: bool = False, version: str = NORM_VERSION) -> bool:
    """BR-FR-CDV-CL-09: the reason is in the list and, where the status has its own list, in that one."""
    found = _reasons(version).get(reason_code)
    if found is None:
        return False
    if status_code not in _restricted(version):
        return True
    return status_code in found.statuses or (b2g and status_code in found.statuses_b2g)


def choices(*, version: str = NORM_VERSION) -> list[tuple[str, str]]:
    """The statuses as Django field choices (code, French label)."""
    return [(s.code, s.label) for s in statuses(version=version)]


def reason_choices(status_code: str | None = None, *, b2g: bool = False,
                   version: str = NORM_VERSION) -> list[tuple[str, str]]:
    """The reasons as Django field choices: those named for `status_code` when it has a list, else all."""
    listed = reasons_for(status_code, b2g=b2g, version=version) if status_code else ()
    return [(r.code, r.label) for r in (listed or reasons(version=version))]
