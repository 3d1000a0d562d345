"""Reads for pages and the API: releases and their protected cells only. Nothing here touches
the per-CAE contributions (network/stats/consolidation.py is their only reader) nor the CAEs'
standings (network/stats/standings.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import Http404

from network.stats.models import Release, ReleaseCell, ReleaseTable

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from essaim.accounts.models import User

MARGIN = "*"
KEY_FIGURES = "key_figures"


def releases_visible(*, user=None):
    """Published releases for everybody; drafts too for the network staff. A superseded release
    is nobody's any more (kept for the record: `releases_listed`)."""
    qs = Release.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_network_staff:
        qs = qs.filter(status=Release.Status.PUBLISHED)
    else:
        qs = qs.exclude(status=Release.Status.SUPERSEDED)
    return qs.order_by("-period", "-version")


def releases_listed():
    """Every release, superseded ones included, for the network staff's list of versions."""
    return Release.objects.order_by("-period", "-version")


def release_get_for(*, actor: User | AnonymousUser | None, pk: int | str) -> Release:
    """A release `actor` may see (`releases_visible`; None: what anybody sees, the published
    ones), or 404."""
    try:
        return releases_visible(user=actor).get(pk=int(pk))
    except (Release.DoesNotExist, ValueError, TypeError):
        raise Http404("Version introuvable.") from None


def release_table_get_for(*, actor: User | AnonymousUser | None, release: Release, code: str) -> ReleaseTable:
    """A table of `release`, which was fetched for `actor` (release_get_for): its tables are
    theirs too."""
    try:
        return release.tables.get(code=code)
    except ReleaseTable.DoesNotExist:
        raise Http404("Tableau introuvable.") from None


def published_key_figures(periods: list[str]) -> dict[str, dict[str, tuple[Decimal | None, str]]]:
    """period → indicator → (value, status) of the key figures of each period's published release
    (one at most per period), in one query: what a trend shows for the periods before a release's."""
    out: dict[str, dict[str, tuple[Decimal | None, str]]] = {}
    if not periods:
        return out
    cells = ReleaseCell.objects.filter(table__code=KEY_FIGURES, table__release__status=Release.Status.PUBLISHED,
                                       table__release__period__in=periods)
    for period, coords, value, status in cells.values_list("table__release__period", "coords", "value", "status"):
        out.setdefault(period, {})[coords["indicator"]] = (value, status)
    return out


def latest_published(period: str | None = None) -> Release | None:
    qs = Release.objects.filter(status=Release.Status.PUBLISHED)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-published_at", "-pk").first()


def table_cells(table: ReleaseTable) -> list[ReleaseCell]:
    return list(table.cells.order_by("position").only("coords", "value", "status", "position"))


def dimension_names(table: ReleaseTable) -> list[str]:
    return [d["name"] for d in table.dimensions]


def cell_key(table: ReleaseTable, coords: dict) -> str:
    return "|".join(f"{name}={coords.get(name, MARGIN)}" for name in dimension_names(table))


def cell_lookup(table: ReleaseTable) -> dict[tuple, ReleaseCell]:
    names = dimension_names(table)
    return {tuple(c.coords.get(n, MARGIN) for n in names): c for c in table_cells(table)}


def shown(value: Decimal | None, status: str) -> str:
    """A cell as shown in pages and exports: « s » when secret."""
    if value is None:
        return "s"
    value = Decimal(value)
    return f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value)}"


def shown_fr(value: Decimal | None, status: str) -> str:
    """A headline figure for reading: French digit grouping (narrow no-break space) and decimal
    comma, « s » when secret. Tables and exports keep `shown`, which machines read back."""
    text = shown(value, status)
    if text == "s":
        return text
    whole, _, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    grouped = f"{int(digits):,}".replace(",", "\u202f")
    return f"{sign}{grouped}" + (f",{decimals}" if decimals else "")
