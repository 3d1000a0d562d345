"""The classifications of the published tables: regions (13 metropolitan regions and the overseas
regions together), departments grouped by region, sectors (the INSEE A10 grouping of NAF rév. 2),
years and quarters."""

from __future__ import annotations

import re
from datetime import date

from essaim.cooperatives.regions import REGION_NAMES

OVERSEAS = "OM"
UNKNOWN = "ZZ"

_REGION_DEPARTMENTS = {
    "84": "01 03 07 15 26 38 42 43 63 69 73 74",
    "27": "21 25 39 58 70 71 89 90",
    "53": "22 29 35 56",
    "24": "18 28 36 37 41 45",
    "94": "2A 2B",
    "44": "08 10 51 52 54 55 57 67 68 88",
    "32": "02 59 60 62 80",
    "11": "75 77 78 91 92 93 94 95",
    "28": "14 27 50 61 76",
    "75": "16 17 19 23 24 33 40 47 64 79 86 87",
    "76": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "52": "44 49 53 72 85",
    "93": "04 05 06 13 83 84",
    OVERSEAS: "971 972 973 974 976",
}
DEPARTMENT_REGION = {d: region for region, depts in _REGION_DEPARTMENTS.items() for d in depts.split()}
# The overseas regions are one category: each alone would be a handful of CAEs.
OVERSEAS_REGIONS = {"01", "02", "03", "04", "06"}

REGIONS = [code for code in REGION_NAMES if code not in OVERSEAS_REGIONS] + [OVERSEAS]
REGION_LABELS = {**{c: REGION_NAMES[c] for c in REGIONS if c != OVERSEAS}, OVERSEAS: "Outre-mer",
                 UNKNOWN: "Non localisé"}
DEPARTMENT_LABELS = {UNKNOWN: "Non localisé"}


def region_of_department(department: str) -> str:
    return DEPARTMENT_REGION.get(department, UNKNOWN)


def department_code(department: str) -> str:
    return department if department in DEPARTMENT_REGION else UNKNOWN


# INSEE A10: NAF divisions (two digits) → ten sections.
SECTORS = ["AZ", "BE", "FZ", "GI", "JZ", "KZ", "LZ", "MN", "OQ", "RU"]
SECTOR_LABELS = {
    "AZ": "Agriculture, sylviculture et pêche",
    "BE": "Industrie",
    "FZ": "Construction",
    "GI": "Commerce, transports, hébergement et restauration",
    "JZ": "Information et communication",
    "KZ": "Activités financières et d'assurance",
    "LZ": "Activités immobilières",
    "MN": "Activités scientifiques et techniques, services administratifs",
    "OQ": "Enseignement, santé humaine et action sociale",
    "RU": "Autres activités de services",
    UNKNOWN: "Non renseigné",
}
_A10 = [(1, 3, "AZ"), (5, 39, "BE"), (41, 43, "FZ"), (45, 56, "GI"), (58, 63, "JZ"), (64, 66, "KZ"),
        (68, 68, "LZ"), (69, 82, "MN"), (84, 88, "OQ"), (90, 99, "RU")]


def sector_of_naf(division: str) -> str:
    """NAF division ("62") → A10 section ("JZ"); unknown or empty → "ZZ"."""
    if not division.isdigit():
        return UNKNOWN
    n = int(division)
    return next((code for low, high, code in _A10 if low <= n <= high), UNKNOWN)


# -- periods -------------------------------------------------------------------------------------

def period_bounds(code: str) -> tuple[date, date]:
    """"2026" → the year; "2026-Q3" → July to September."""
    if "-Q" in code:
        year, quarter = code.split("-Q")
        y, q = int(year), int(quarter)
        if not 1 <= q <= 4:
            raise ValueError(code)
        start = date(y, 3 * q - 2, 1)
        end = date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
        return start, date.fromordinal(end.toordinal() - 1)
    y = int(code)
    return date(y, 1, 1), date(y, 12, 31)


_PERIOD = re.compile(r"[0-9]{4}(-Q[1-4])?")


def is_period(code: str) -> bool:
    """"2026" or "2026-Q3", nothing else: int() would also take "+2026", "2_026" or "２０２６",
    which would then be stored as a release's period."""
    return _PERIOD.fullmatch(code) is not None and 2000 <= int(code[:4]) <= 2100


def collection_periods(year: int, *, today: date) -> list[str]:
    """What one collection of ``year`` gathers: the year and its quarters begun by ``today``."""
    codes = [str(year)]
    for q in range(1, 5):
        if period_bounds(f"{year}-Q{q}")[0] <= today:
            codes.append(f"{year}-Q{q}")
    return codes


def trend_periods(period: str) -> list[str]:
    """The periods a trend of ``period`` runs over, ending with it: up to five years, or the
    quarters of its year up to it. Each earlier period's figures are those of its own published
    release (never recomputed: see docs/stats.md, "Releases")."""
    if "-Q" in period:
        year, q = period.split("-Q")
        return [f"{year}-Q{i}" for i in range(1, int(q) + 1)]
    y = int(period)
    return [str(v) for v in range(y - 4, y + 1)]


def period_ended(code: str, *, today: date) -> bool:
    """Whether the whole period lies before ``today``."""
    return period_bounds(code)[1] < today
