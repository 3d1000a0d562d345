"""A CAE beside the network, on the CAE's own domain (director): its own figures as collected for
the latest published release, its rank among the CAEs, and the network's published figures.
Never another CAE's figure: ranks and network totals only."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import render

from essaim.accounts.models import Membership
from essaim.ui.access import member_required
from network.stats import selectors
from network.stats.selectors import shown
from network.stats.standings import own_standings

# standing indicator → key figure of the release
NETWORK_FIGURE = {"entrepreneurs": "entrepreneurs", "revenue": "revenue", "fte": "fte", "women_share": "women_share",
                  "workshops": "workshops", "sites": "sites"}


@member_required(Membership.Role.DIRECTOR)
def comparison(request):
    release = selectors.latest_published()
    rows = []
    if release is not None:
        key = {c.coords["indicator"]: c for c in release.tables.get(code="key_figures").cells.all()}
        caes = key.get("caes")
        for standing in own_standings(cooperative=request.cooperative, release=release):
            network = key.get(NETWORK_FIGURE[standing.indicator])
            average = None
            if (network is not None and network.value is not None and caes is not None and caes.value
                    and standing.indicator != "women_share"):
                average = (Decimal(network.value) / Decimal(caes.value)).quantize(Decimal("0.1"))
            rows.append({
                "label": standing.label, "indicator": standing.indicator,
                "own": shown(standing.value, "published"), "rank": standing.rank, "out_of": standing.out_of,
                "network": shown(network.value, network.status) if network is not None else "—",
                "average": shown(average, "") if average is not None else ("—" if standing.indicator == "women_share"
                                                                           else "s"),
            })
    return render(request, "stats/comparison.html", {"release": release, "rows": rows})
