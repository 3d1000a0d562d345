"""Each CAE's own figures in a release and its rank among the CAEs: written when a release is
prepared, read for that CAE's own page only. The only module that names `ReleaseStanding`
(sealed, see models.py); a test checks that no other one does.

    standings_store(release=release, built=built)             # releases.py, with the draft
    own_standings(cooperative=coop, release=release)           # views_cae.py: this CAE's rows only

What leaves `own_standings` is the CAE's own figure (it knows it), its rank and how many CAEs are
ranked: never another CAE's figure. No median either: with the CAE's own figure and rank, a median
(the middle CAE's figure, or the mean of the two middle ones) would give another CAE's figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from network.stats.models import Release, ReleaseStanding

STANDING_INDICATORS = {
    "entrepreneurs": "Entrepreneur·es accompagné·es",
    "revenue": "Chiffre d'affaires HT facturé (€)",
    "fte": "Équivalents temps plein (CESA)",
    "women_share": "Part des femmes (%)",
    "workshops": "Ateliers collectifs tenus",
    "sites": "Sites d'accueil",
}
# Each indicator is ranked only in a release that publishes its table (a quarter has no revenue).
INDICATOR_TABLE = {"entrepreneurs": "entrepreneurs_region_sector", "revenue": "revenue_region_sector",
                   "fte": "fte_sector", "women_share": "entrepreneurs_sector_gender", "workshops": "workshops",
                   "sites": "sites"}


@dataclass(frozen=True)
class OwnStanding:
    indicator: str
    label: str
    value: Decimal
    rank: int  # 1 = the largest
    out_of: int


def standings_store(*, release: Release, figures: dict[int, dict[str, Decimal]], tables: set[str]) -> None:
    """Each CAE's own figures for the release's period (cooperative id → indicator → value, as
    consolidated) and its rank among the CAEs that hosted someone."""
    indicators = [k for k in STANDING_INDICATORS if INDICATOR_TABLE[k] in tables]
    values: dict[str, dict[int, Decimal]] = {k: {} for k in indicators}
    for coop_id, own in figures.items():
        if not own.get("entrepreneurs"):
            continue
        for k in indicators:
            if k == "women_share":
                values[k][coop_id] = (Decimal(100) * own.get("women", Decimal(0))
                                      / own["entrepreneurs"]).quantize(Decimal("0.1"))
            else:
                values[k][coop_id] = own.get(k, Decimal(0))
    rows = []
    for indicator, by_coop in values.items():
        ordered = sorted(by_coop.values(), reverse=True)
        for coop_id, value in by_coop.items():
            rows.append(ReleaseStanding(release=release, cooperative_id=coop_id, indicator=indicator, value=value,
                                        rank=ordered.index(value) + 1, out_of=len(ordered)))
    ReleaseStanding.standing_rows.bulk_create(rows, batch_size=2000)


def own_standings(*, cooperative, release: Release) -> list[OwnStanding]:
    """One CAE's own figures and ranks in a release, in the indicators' order: for that CAE's own
    pages only."""
    rows = {s.indicator: s for s in ReleaseStanding.standing_rows.filter(release=release, cooperative=cooperative)}
    return [OwnStanding(k, label, rows[k].value, rows[k].rank, rows[k].out_of)
            for k, label in STANDING_INDICATORS.items() if k in rows]
