"""Reads of the library: the search page (full text, facets, pagination) in two queries
whatever the page size, and the versions of a resource."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import F, Value

from essaim.core.errors import AppError

from .access import Viewer, resources_published
from .models import FACETS, Kind, Resource, ResourceVersion, Theme
from .search import FoldedHeadline, FrenchQuery, Matches, Rank, TitleMatches, highlight
from .stats import DownloadStats, downloads

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_PAGE = 100_000  # a page past the last is shown as the last; beyond this the OFFSET would overflow


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    query: str
    filters: dict
    total: int
    page: int
    page_size: int
    items: list[dict]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_filters_clean(raw) -> dict:
    """Keep the known facets; an unknown value is a 400 naming the parameter."""
    out = {}
    for name, choices in FACETS.items():
        value = (raw.get(name) or "").strip()
        if not value:
            continue
        if value not in choices.values:
            raise AppError("filter_invalid", f"Valeur inconnue pour le filtre « {name} » : {value[:40]}.", field=name)
        out[name] = value
    return out


def _facet_values(counts: dict[str, dict[str, int]], filters: dict) -> dict[str, list[FacetValue]]:
    return {name: [FacetValue(value, str(label), counts[name].get(value, 0), filters.get(name) == value)
                   for value, label in choices.choices if counts[name].get(value) or filters.get(name) == value]
            for name, choices in FACETS.items()}


def _statement(sql: str, *, ranked: bool) -> str:
    """Facet counts (GROUPING SETS, with the total) and the page's ids with their sort keys, in
    one statement. With words, the matching rows are read once (a materialised CTE: the index
    scan and the ranking are the cost). Without, the facets come from an index-only scan and the
    page from the publication-date index."""
    names = list(FACETS)
    columns = ", ".join(names)
    sets = ", ".join(f"({n})" for n in names)
    nulls = ", ".join("NULL" for _ in names)
    order = ("title_hit DESC, rank DESC, " if ranked else "") + "published_at DESC NULLS LAST, id DESC"
    sort_keys = "title_hit, rank" if ranked else "false, 0::real"
    source = "matched" if ranked else f"({sql}) AS matched"
    head = f"WITH matched AS MATERIALIZED ({sql}) " if ranked else ""
    return (  # every name here is ours; values are parameters
        f"{head}SELECT 0, GROUPING({columns}), {columns}, count(*), NULL::bigint, NULL::boolean, NULL::real, "  # noqa: S608
        f"NULL::timestamptz FROM {source} GROUP BY GROUPING SETS ({sets}, ()) "
        f"UNION ALL SELECT * FROM (SELECT 1, NULL::int, {nulls}, NULL::bigint, id, {sort_keys}, published_at "
        f"FROM {source} ORDER BY {order} LIMIT %s OFFSET %s) AS page_rows"
    )


def _scan(qs, *, ranked: bool, page: int, page_size: int):
    """Returns (total, counts per facet, page number, the page's ids in order). A page past the
    last one is read again as the last page (one more query, for that case only)."""
    names = list(FACETS)
    keys = ["title_hit", "rank"] if ranked else []
    sql, params = qs.order_by().values("id", *names, "published_at", *keys).query.sql_with_params()
    statement = _statement(sql, ranked=ranked)
    full = (1 << len(names)) - 1
    while True:
        with connection.cursor() as cursor:
            args = [*params, page_size, (page - 1) * page_size] if ranked else \
                [*params, *params, page_size, (page - 1) * page_size]
            cursor.execute(statement, args)
            rows = cursor.fetchall()
        counts: dict[str, dict[str, int]] = {n: {} for n in names}
        total, window = 0, []
        for row in rows:
            if row[0] == 1:
                window.append(row[-4])
                continue
            mask, values, n = row[1], row[2:2 + len(names)], row[2 + len(names)]
            if mask == full:
                total = n
                continue
            for i, name in enumerate(names):
                if not mask & (1 << (len(names) - 1 - i)):  # this column is grouped in this row
                    counts[name][values[i]] = n
        last = max(1, math.ceil(total / page_size))
        if page <= last:
            return total, counts, page, window
        page = last


def library_search(*, viewer: Viewer, query: str = "", filters: dict | None = None, page: int = 1,
                   page_size: int = PAGE_SIZE) -> SearchResult:
    """Published resources the viewer may see, matching `query` (French, accents ignored) and the
    facet filters. Title matches first, then by rank, then the newest. Two queries whatever the
    number of matches and the page size: one pass for the facets, the total and the page's ids,
    then the page's rows with their highlighted excerpts."""
    filters = filters or {}
    query = " ".join((query or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]  # NUL: not for PostgreSQL
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    qs = resources_published(viewer).filter(**filters)
    tsquery = FrenchQuery(Value(query)) if query else None
    if tsquery is not None:
        qs = qs.filter(Matches(F("search"), tsquery)).annotate(title_hit=TitleMatches(F("search"), tsquery),
                                                              rank=Rank(F("search"), tsquery))
    total, counts, page, window = _scan(qs, ranked=tsquery is not None, page=max(1, min(int(page), MAX_PAGE)),
                                     page_size=page_size)
    facets = _facet_values(counts, filters)
    rows = Resource.objects.filter(pk__in=window)
    if tsquery is not None:
        rows = rows.annotate(title_marked=FoldedHeadline(F("title"), tsquery),
                             excerpt_marked=FoldedHeadline(F("summary"), tsquery))
    fields = ["pk", "title", "kind", "theme", "sector", "audience", "language", "summary", "visibility",
              "published_at", "author_cooperative__name", "author_cooperative__slug"]
    extra = ["title_marked", "excerpt_marked"] if tsquery is not None else []
    by_id = {row["pk"]: row for row in rows.values(*fields, *extra)} if window else {}
    items = []
    labels = {name: dict(choices.choices) for name, choices in FACETS.items()}
    for pk in window:
        row = by_id.get(pk)
        if row is None:
            continue
        row["title_html"] = highlight(row["title"], row.get("title_marked"), whole=True)
        row["excerpt_html"] = highlight(row["summary"], row.get("excerpt_marked"))
        for name in FACETS:
            row[f"{name}_label"] = str(labels[name].get(row[name], row[name]))
        items.append(row)
    return SearchResult(query=query, filters=filters, total=total, page=page, page_size=page_size, items=items,
                        facets=facets)


def versions_of(resource: Resource, *, include_unpublished: bool = False):
    qs = ResourceVersion.objects.filter(resource=resource).select_related("uploaded_by").order_by("-number")
    if not include_unpublished:
        qs = qs.filter(published_at__isnull=False)
    return qs


def current_version(resource: Resource) -> ResourceVersion | None:
    return versions_of(resource).first()


def review_queue():
    """Proposals waiting for network staff, and published resources with a new version pending."""
    from django.db.models import Exists, OuterRef, Q

    pending = ResourceVersion.objects.filter(resource_id=OuterRef("pk"), published_at__isnull=True)
    return (Resource.objects.filter(Q(state=Resource.State.PROPOSED)
                                    | Q(state=Resource.State.PUBLISHED) & Q(Exists(pending)))
            .select_related("author_cooperative", "proposed_by").order_by("created_at"))


# -- download figures (network staff only) --------------------------------------------------------

NO_COOPERATIVE = "Sans CAE (visiteurs, équipe du réseau, porteurs de projet, membres de groupes)"


@dataclass
class DownloadFigures:
    """`stats.downloads()` with names and every month of the period, ready for a page. Shows how
    much each CAE downloads: for network staff only."""

    stats: DownloadStats
    by_cooperative: list[tuple[str, int]]  # (CAE, downloads), most first; the no-CAE row last
    by_month: list[tuple[date, int]]  # every month of the period, 0 included
    by_kind: list[tuple[str, int]]
    by_theme: list[tuple[str, int]]


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def download_figures(period: tuple[date, date], *, resource_id: int | None = None) -> DownloadFigures:
    from essaim.cooperatives.models import Cooperative

    stats = downloads(period, resource_id=resource_id)
    ids = sorted(pk for pk in stats.by_cooperative if pk is not None)
    names = dict(Cooperative.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    by_cooperative = sorted(((names.get(pk, f"CAE n° {pk}"), n) for pk, n in stats.by_cooperative.items()
                             if pk is not None), key=lambda row: (-row[1], row[0]))
    if None in stats.by_cooperative:
        by_cooperative.append((NO_COOPERATIVE, stats.by_cooperative[None]))
    months, month = [], stats.start
    while month <= stats.end:
        months.append((month, stats.by_month.get(month, 0)))
        month = month_add(month, 1)
    kinds, themes = dict(Kind.choices), dict(Theme.choices)
    return DownloadFigures(
        stats=stats, by_cooperative=by_cooperative, by_month=months,
        by_kind=sorted(((str(kinds.get(k, k)), n) for k, n in stats.by_kind.items()), key=lambda r: (-r[1], r[0])),
        by_theme=sorted(((str(themes.get(t, t)), n) for t, n in stats.by_theme.items()), key=lambda r: (-r[1], r[0])),
    )
