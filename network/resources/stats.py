"""Library figures for the network's dashboards: downloads per month, CAE, kind and theme,
from DownloadCount rows (public schema; no person is ever counted by name)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Sum

from .models import DownloadCount, Resource


@dataclass(frozen=True)
class DownloadStats:
    start: date
    end: date  # inclusive: months whose first day is within [start, end]
    total: int
    by_month: dict[date, int] = field(default_factory=dict)
    by_cooperative: dict[int | None, int] = field(default_factory=dict)  # None: anonymous / network staff
    by_kind: dict[str, int] = field(default_factory=dict)
    by_theme: dict[str, int] = field(default_factory=dict)
    cooperatives_downloading: int = 0
    top_resources: list[tuple[int, str, int]] = field(default_factory=list)  # (id, title, downloads)
    published: int = 0


def downloads(period: tuple[date, date], *, resource_id: int | None = None) -> DownloadStats:
    """Aggregates for the months from period[0]'s month to period[1]'s month, inclusive; of one
    resource only with `resource_id`. Per CAE: for network staff only (a CAE's users must not
    learn what other CAEs download)."""
    start, end = period
    start, end = start.replace(day=1), end.replace(day=1)
    rows = DownloadCount.objects.filter(month__gte=start, month__lte=end)
    if resource_id is not None:
        rows = rows.filter(resource_id=resource_id)
    total = rows.aggregate(n=Sum("count"))["n"] or 0

    def grouped(name):
        return dict(rows.values_list(name).annotate(n=Sum("count")).order_by(name))

    top = list(rows.values_list("resource_id", "resource__title").annotate(n=Sum("count"))
               .order_by("-n", "resource_id")[:10])
    return DownloadStats(
        start=start, end=end, total=total, by_month=grouped("month"), by_cooperative=grouped("cooperative_id"),
        by_kind=grouped("resource__kind"), by_theme=grouped("resource__theme"),
        cooperatives_downloading=rows.filter(cooperative__isnull=False).aggregate(
            n=Count("cooperative_id", distinct=True))["n"],
        top_resources=[(rid, title, n) for rid, title, n in top],
        published=Resource.objects.filter(state=Resource.State.PUBLISHED).count(),
    )
