"""A rate table (JSON document) parsed into immutable dataclasses of Decimals.

`rateset_parse` is the only way in: it checks every key and refuses a bad document with a French
message naming the key (`lines[3].employer_rate`, `rgdu.tdelta_by_fnal_rate`…). Rates are written
in percent in the document ("13.00") and held as fractions here (Decimal("0.13")); RGDU
coefficients are fractions in both. No Django here: the payroll engine and its tests use it bare.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from essaim.core.errors import AppError

FORMAT = 1
DATA_DIR = Path(__file__).resolve().parent / "data"

# Payslip blocks of the "bulletin clarifié", in the order they are printed.
BLOCKS = {
    "sante": "Santé",
    "accidents_travail": "Accidents du travail – maladies professionnelles",
    "retraite": "Retraite",
    "famille": "Famille",
    "assurance_chomage": "Assurance chômage",
    "autres_patronales": "Autres contributions dues par l'employeur",
    "csg_crds": "CSG et CRDS",
}
# total: whole gross; t1: up to 1 PMSS; t2: from 1 to `t2_cap_pmss` PMSS; t1_t2: up to
# `t2_cap_pmss` PMSS; capped: up to `cap_pmss` PMSS (line key); csg: the CSG/CRDS base;
# employer_health: the employer's health-cover contribution; health_cover: amounts from the CAE.
BASES = ("total", "t1", "t2", "t1_t2", "capped", "csg", "employer_health", "health_cover")
# Lines whose rates are not in the table: AT/MP is notified to each CAE, health cover is in its
# contract. `fnal` marks the lines whose rate selects the RGDU's Tdelta.
KINDS = ("standard", "atmp", "health_cover", "fnal")
HEADCOUNT_CONDITIONS = {"<11": ("<", 11), ">=11": (">=", 11), "<50": ("<", 50), ">=50": (">=", 50),
                        "<250": ("<", 250), ">=250": (">=", 250)}
# Head-count bands a CAE declares, with the smallest head-count of each: a condition holds for a
# band when it holds for its whole range, which the thresholds above guarantee.
HEADCOUNT_BANDS = {"lt11": 0, "11_49": 11, "50_249": 50, "ge250": 250}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP}
# The body each contribution line is paid to (`fund` of a line): the payroll journal books each on
# its own account and the contributions summary totals per fund (tenants/payroll/funds.py).
FUNDS = {
    "urssaf": "URSSAF",
    "agirc_arrco": "AGIRC-ARRCO",
    "unemployment": "Assurance chômage et AGS",
    "health": "Organisme de complémentaire santé",
}

_LINE_KEYS = {"code", "label", "block", "fund", "base", "cap_pmss", "employee_rate", "employer_rate", "headcount",
              "kind", "deductible", "only_above_pmss", "rgdu", "source"}


def headcount_applies(condition: str | None, band: str) -> bool:
    if condition is None:
        return True
    op, threshold = HEADCOUNT_CONDITIONS[condition]
    low = HEADCOUNT_BANDS[band]
    return low < threshold if op == "<" else low >= threshold


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    block: str
    fund: str  # one of FUNDS
    base: str
    kind: str
    employee_rate: Decimal  # fraction; zero for lines whose rates come from the CAE
    employer_rate: Decimal
    cap_pmss: Decimal | None
    headcount: str | None
    deductible: bool  # employee share deductible from the taxable net
    only_above_pmss: bool
    rgdu: bool  # an employer contribution the RGDU is imputed on (and capped by)
    source: str


@dataclass(frozen=True)
class Rgdu:
    tmin: Decimal
    tdelta_by_fnal_rate: tuple[tuple[Decimal, Decimal], ...]  # (FNAL rate as a fraction, Tdelta)
    exponent: Decimal
    exit_smic_multiple: Decimal
    atmp_cap_rate: Decimal
    coefficient_places: int

    def tdelta(self, fnal_rate: Decimal) -> Decimal:
        for rate, tdelta in self.tdelta_by_fnal_rate:
            if rate == fnal_rate:
                return tdelta
        raise AppError("payrates_no_tdelta", f"Aucun Tdelta pour un taux FNAL de {fnal_rate * 100} %.",
                       field="rgdu.tdelta_by_fnal_rate")


@dataclass(frozen=True)
class RateSet:
    valid_from: datetime.date
    valid_to: datetime.date | None
    label: str
    smic_hourly: Decimal
    smic_monthly: Decimal
    monthly_hours: Decimal
    legal_weekly_hours: Decimal  # the legal working week (35 h): a contract's hours over it prorate the SMIC
    pass_annual: Decimal
    pmss: Decimal
    t2_cap_pmss: Decimal
    csg_base_rate: Decimal
    csg_abatement_cap_pass: Decimal
    atmp_default_rate: Decimal
    amount_quantum: Decimal
    rounding: str  # a decimal module rounding constant
    rgdu: Rgdu
    lines: tuple[Line, ...]

    def money(self, value: Decimal) -> Decimal:
        return value.quantize(self.amount_quantum, rounding=self.rounding)

    def lines_for(self, band: str) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if headcount_applies(line.headcount, band))

    def line(self, code: str) -> Line:
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)


def _bad(field: str, rule: str) -> AppError:
    return AppError("payrates_invalid", f"Barème invalide : « {field} » {rule}.", field=field)


class _Reader:
    """Reads one JSON object, naming each key by its full path in errors."""

    def __init__(self, data, path: str):
        if not isinstance(data, dict):
            raise _bad(path or "document", "doit être un objet JSON")
        self.data, self.path = data, path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, *, required: bool = True):
        if key not in self.data or self.data[key] is None:
            if required:
                raise _bad(self.name(key), "est obligatoire")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, choices=None) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise _bad(self.name(key), "doit être un texte non vide")
        if choices is not None and value not in choices:
            raise _bad(self.name(key), f"doit valoir l'un de : {', '.join(choices)} (reçu « {value} »)")
        return value

    def decimal(self, key: str, *, required: bool = True, low: Decimal = Decimal(0),
                high: Decimal | None = None, positive: bool = False) -> Decimal | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        # Numbers are written as strings so that no binary float ever touches a rate.
        if not isinstance(value, str):
            raise _bad(self.name(key), "doit être un nombre écrit entre guillemets (ex. \"13.00\")")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _bad(self.name(key), f"n'est pas un nombre (« {value} »)") from None
        if not number.is_finite() or number < low or (positive and number == 0) or (high is not None and number > high):
            bound = f"entre {low} et {high}" if high is not None else ("strictement positif" if positive else f"≥ {low}")
            raise _bad(self.name(key), f"doit être {bound} (reçu « {value} »)")
        return number

    def percent(self, key: str, *, required: bool = True) -> Decimal | None:
        value = self.decimal(key, required=required, high=Decimal(100))
        return None if value is None else value / 100

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise _bad(self.name(key), "doit valoir true ou false")
        return value

    def date(self, key: str, *, required: bool = True) -> datetime.date | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise _bad(self.name(key), f"doit être une date AAAA-MM-JJ (reçu « {value} »)") from None

    def child(self, key: str) -> _Reader:
        return _Reader(self.raw(key), self.name(key))


def _line(data, index: int) -> Line:
    r = _Reader(data, f"lines[{index}]")
    unknown = sorted(set(r.data) - _LINE_KEYS)
    if unknown:
        raise _bad(r.name(unknown[0]), "n'est pas une clé connue d'une ligne")
    code = r.text("code")
    kind = r.text("kind", required=False, choices=KINDS) or "standard"
    base = r.text("base", choices=BASES)
    from_cae = kind in ("atmp", "health_cover")
    if from_cae and (r.has("employee_rate") or r.has("employer_rate")):
        raise _bad(r.name("employer_rate"), "ne doit pas figurer : le taux de cette ligne vient des réglages de la CAE")
    if (kind == "health_cover") != (base == "health_cover"):
        raise _bad(r.name("base"), "vaut « health_cover » si et seulement si la ligne est de nature « health_cover »")
    cap = r.decimal("cap_pmss", required=base == "capped", positive=True)
    if cap is not None and base != "capped":
        raise _bad(r.name("cap_pmss"), "ne s'emploie qu'avec la base « capped »")
    return Line(
        code=code, label=r.text("label"), block=r.text("block", choices=tuple(BLOCKS)),
        fund=r.text("fund", choices=tuple(FUNDS)), base=base, kind=kind,
        employee_rate=Decimal(0) if from_cae else r.percent("employee_rate"),
        employer_rate=Decimal(0) if from_cae else r.percent("employer_rate"),
        cap_pmss=cap, headcount=r.text("headcount", required=False, choices=tuple(HEADCOUNT_CONDITIONS)),
        deductible=r.boolean("deductible", default=True), only_above_pmss=r.boolean("only_above_pmss", default=False),
        rgdu=r.boolean("rgdu", default=False), source=r.text("source"),
    )


def rateset_parse(document) -> RateSet:
    """Validate a rate-table document and return its RateSet; AppError naming the bad key."""
    r = _Reader(document, "")
    if r.raw("format") != FORMAT:
        raise _bad("format", f"doit valoir {FORMAT}")
    valid_from, valid_to = r.date("valid_from"), r.date("valid_to", required=False)
    if valid_to is not None and valid_to < valid_from:
        raise _bad("valid_to", "doit être postérieure à valid_from")

    smic, ceilings, rounding, csg = r.child("smic"), r.child("ceilings"), r.child("rounding"), r.child("csg")
    working_time = r.child("working_time")
    for section in (smic, ceilings, rounding, csg, working_time):
        section.text("source")
    mode = rounding.text("mode", choices=tuple(ROUNDING_MODES))
    places = rounding.raw("rgdu_coefficient_places")
    if not isinstance(places, int) or isinstance(places, bool) or not 0 < places <= 10:
        raise _bad("rounding.rgdu_coefficient_places", "doit être un entier entre 1 et 10")

    g = r.child("rgdu")
    g.text("source")
    tdelta_raw = g.raw("tdelta_by_fnal_rate")
    if not isinstance(tdelta_raw, dict) or not tdelta_raw:
        raise _bad("rgdu.tdelta_by_fnal_rate", "doit associer au moins un taux FNAL (en %) à un Tdelta")
    pairs = []
    for fnal, tdelta in tdelta_raw.items():
        pair = _Reader({"fnal_rate": fnal, "tdelta": tdelta}, f"rgdu.tdelta_by_fnal_rate[{fnal}]")
        pairs.append((pair.percent("fnal_rate"), pair.decimal("tdelta", high=Decimal(1))))
    rgdu = Rgdu(
        tmin=g.decimal("tmin", high=Decimal(1)), tdelta_by_fnal_rate=tuple(pairs),
        exponent=g.decimal("exponent", positive=True),
        exit_smic_multiple=g.decimal("exit_smic_multiple", low=Decimal(1), positive=True),
        atmp_cap_rate=g.percent("atmp_cap_rate"), coefficient_places=places,
    )
    if rgdu.exit_smic_multiple == 1:
        raise _bad("rgdu.exit_smic_multiple", "doit être strictement supérieur à 1")

    raw_lines = r.raw("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise _bad("lines", "doit être une liste non vide de lignes de cotisation")
    lines = tuple(_line(item, i) for i, item in enumerate(raw_lines))
    codes = [line.code for line in lines]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise _bad(f"lines[{i}].code", f"« {code} » figure deux fois")
    atmp_default = r.child("atmp_default_rate")
    atmp_default.text("source")
    rates = RateSet(
        valid_from=valid_from, valid_to=valid_to, label=r.text("label"),
        smic_hourly=smic.decimal("hourly", positive=True), smic_monthly=smic.decimal("monthly", positive=True),
        monthly_hours=smic.decimal("monthly_hours", positive=True),
        legal_weekly_hours=working_time.decimal("legal_weekly_hours", low=Decimal(1), high=Decimal(48)),
        pass_annual=ceilings.decimal("pass", positive=True), pmss=ceilings.decimal("pmss", positive=True),
        t2_cap_pmss=ceilings.decimal("t2_cap_pmss", low=Decimal(1)),
        csg_base_rate=csg.percent("base_rate"), csg_abatement_cap_pass=csg.decimal("abatement_cap_pass", positive=True),
        atmp_default_rate=atmp_default.percent("rate"),
        amount_quantum=rounding.decimal("amount", positive=True), rounding=ROUNDING_MODES[mode],
        rgdu=rgdu, lines=lines,
    )
    _check_bands(rates)
    return rates


def _check_bands(rates: RateSet) -> None:
    """Every head-count band needs exactly one FNAL line with a Tdelta, one AT/MP line, at most
    one health-cover line: otherwise the engine could not compute a payslip for that band."""
    for band in HEADCOUNT_BANDS:
        lines = rates.lines_for(band)
        fnal = [line for line in lines if line.kind == "fnal"]
        if len(fnal) != 1:
            raise _bad("lines", f"doit contenir exactement une ligne FNAL (kind « fnal ») applicable à la tranche {band}")
        if fnal[0].employer_rate not in dict(rates.rgdu.tdelta_by_fnal_rate):
            raise _bad("rgdu.tdelta_by_fnal_rate", f"n'a pas de Tdelta pour le taux FNAL de la ligne « {fnal[0].code} »")
        for kind, needed in (("atmp", (1,)), ("health_cover", (0, 1))):
            if sum(line.kind == kind for line in lines) not in needed:
                raise _bad("lines", f"doit contenir {' ou '.join(map(str, needed))} ligne(s) de nature « {kind} »")


def shipped_documents() -> list[Path]:
    """The rate files shipped with the project, oldest first."""
    return sorted(DATA_DIR.glob("fr-*.json"))
