"""Network statistics pages on the public domain, for the network staff: the dashboard of the
latest published release, the releases (collect, prepare, publish), each table with its
downloads. They read releases only (selectors.py), never a CAE's contribution."""

from __future__ import annotations

import csv
import io
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from network.portal.charts import bar_chart
from network.stats import selectors
from network.stats.catalog import trend_periods
from network.stats.charts import line_chart, region_map
from network.stats.models import Release
from network.stats.selectors import MARGIN, shown, shown_fr


def network_staff_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "cooperative", None) is not None:
            raise PermissionDenied  # the network's pages live on the public domain only
        user = request.user
        if not user.is_authenticated:
            return redirect(f"/connexion/?next={request.path}")
        if not user.is_network_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _value(lookup, *coords):
    cell = lookup.get(tuple(coords))
    return None if cell is None else cell.value


# The tables the dashboard draws from: only their cells are read, not those of every table. A
# quarter release has no revenue, FTE nor workshops (docs/stats.md): what it lacks is not drawn.
DASHBOARD_TABLES = ("key_figures", "revenue_region_sector", "fte_sector", "workshops",
                    "entrepreneurs_region_sector", "entrepreneurs_kind", "revenue_kind")
TREND_FIGURES = (("entrepreneurs", "Entrepreneur·es"), ("revenue", "Chiffre d'affaires HT (€)"),
                 ("fte", "Équivalents temps plein"), ("workshops", "Ateliers tenus"))


def dashboard_context(release: Release) -> dict:
    tables = {t.code: t for t in release.tables.all()}
    lookups = {code: selectors.cell_lookup(tables[code]) for code in DASHBOARD_TABLES if code in tables}
    key_table = tables["key_figures"]
    key = {indicator: c for (indicator,), c in lookups["key_figures"].items()}
    labels = dict(tuple(c) for c in key_table.dimensions[0]["categories"])
    p = release.period
    headline = ["caes", "sites", "entrepreneurs", "associates", "fte", "revenue", "women_share", "exits", "workshops"]
    cards = [(labels[k], shown_fr(key[k].value, key[k].status), key[k].status) for k in headline if k in key]
    # Earlier periods come from their own published releases, as published: never recomputed.
    series = selectors.published_key_figures(trend_periods(p)[:-1])
    series[p] = {k: (c.value, c.status) for k, c in key.items()}
    periods = [q for q in trend_periods(p) if q in series]
    trends = [(title, [(q, series[q].get(indicator, (None, ""))[0]) for q in periods])
              for indicator, title in TREND_FIGURES if indicator in key]
    region_dim = tables["entrepreneurs_region_sector"].dimensions[0]["categories"]
    sector_dim = tables["entrepreneurs_region_sector"].dimensions[1]["categories"]
    kind_dim = tables["entrepreneurs_kind"].dimensions[0]["categories"]
    by_region = {code: _value(lookups["entrepreneurs_region_sector"], code, MARGIN, p) for code, _ in region_dim}
    by_sector = [(label, _value(lookups["entrepreneurs_region_sector"], MARGIN, code, p)) for code, label in sector_dim]
    by_kind = [(label, _value(lookups["entrepreneurs_kind"], code, p)) for code, label in kind_dim]
    revenue = lookups.get("revenue_kind")
    return {
        "release": release, "cards": cards, "key_rows": [(labels[k], shown(c.value, c.status), c.status)
                                                         for k, c in key.items()],
        "trends": [(title, line_chart(points, title=title), [(q, shown(v, "")) for q, v in points])
                   for title, points in trends],
        "map": region_map(by_region, title=f"Entrepreneur·es par région, {p}"),
        "by_region": [(label, shown(by_region[code], "")) for code, label in region_dim],
        "sector_chart": bar_chart([(label, int(v)) for label, v in by_sector if v is not None],
                                  title="Entrepreneur·es par secteur"),
        "by_sector": [(label, shown(v, "")) for label, v in by_sector],
        "kind_chart": bar_chart([(label, int(v)) for label, v in by_kind if v is not None],
                                title="Entrepreneur·es par type de CAE"),
        "by_kind": [(label, shown(v, ""), "—" if revenue is None else shown(_value(revenue, code, p), ""))
                    for (code, _), (label, v) in zip(kind_dim, by_kind, strict=True)],
        "tables": list(tables.values()),
    }


@network_staff_required
def dashboard(request):
    release_id = request.GET.get("version")
    if release_id:
        release = selectors.release_get_for(actor=request.user, pk=release_id)
    else:
        release = selectors.latest_published()
    return render(request, "stats/dashboard.html", dashboard_context(release) if release is not None else {})


@network_staff_required
def release_list(request):
    return render(request, "stats/releases.html", {
        "releases": selectors.releases_listed(), "year": timezone.localdate().year})


@network_staff_required
@require_POST
def collect_now(request):
    from network.stats.collection import collection_year
    from network.stats.tasks import collect_all

    today = timezone.localdate()
    try:
        year = collection_year(request.POST.get("year") or today.year, today=today)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("stats:releases")
    queued = collect_all(year=year)
    messages.success(request, f"Collecte {year} demandée pour {queued} CAE : elle se fait en arrière-plan.")
    return redirect("stats:releases")


@network_staff_required
@require_POST
def release_new(request):
    from network.stats.releases import release_create

    try:
        release = release_create(period=request.POST.get("period", "").strip(), acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("stats:releases")
    state = "l'audit est passé" if release.audit.get("ok") else "l'audit a échoué : elle ne pourra pas être publiée"
    messages.success(request, f"Version {release} préparée ; {state}.")
    return redirect("stats:release", release_id=release.pk)


@network_staff_required
@require_POST
def release_publish_view(request, release_id):
    from network.stats.releases import release_publish

    release = selectors.release_get_for(actor=request.user, pk=release_id)
    try:
        release_publish(release=release, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {release} publiée.")
    return redirect("stats:release", release_id=release.pk)


@network_staff_required
def release_detail(request, release_id):
    release = selectors.release_get_for(actor=request.user, pk=release_id)
    return render(request, "stats/release.html", {"release": release, "tables": release.tables.all()})


def pivot(table) -> dict:
    """Rows × columns of a table as shown: the time dimension (else the last one) as columns."""
    dims = table.dimensions
    names = [d["name"] for d in dims]
    col_index = next((i for i, d in enumerate(dims) if d["name"] in ("year", "quarter")), len(dims) - 1)
    labels = {d["name"]: {**dict(tuple(c) for c in d["categories"]), MARGIN: "Total"} for d in dims}
    col_name = names[col_index]
    columns = [c[0] for c in dims[col_index]["categories"]]
    if table.code != "key_figures" and col_name not in ("year", "quarter"):
        columns.append(MARGIN)
    row_names = [n for i, n in enumerate(names) if i != col_index]
    rows: dict[tuple, dict[str, object]] = {}
    for cell in selectors.table_cells(table):
        row_key = tuple(cell.coords.get(n, MARGIN) for n in row_names)
        rows.setdefault(row_key, {})[cell.coords.get(col_name, MARGIN)] = cell
    body = []
    for row_key, by_col in rows.items():
        heads = [labels[n].get(v, v) for n, v in zip(row_names, row_key, strict=True)]
        tds = []
        for col in columns:
            cell = by_col.get(col)
            if cell is None:
                tds.append(None)
            else:
                tds.append((selectors.cell_key(table, cell.coords), shown(cell.value, cell.status), cell.status))
        body.append((heads, tds))
    return {"row_labels": [next(d["label"] for d in dims if d["name"] == n) for n in row_names],
            "columns": [labels[col_name].get(c, c) for c in columns], "body": body}


@network_staff_required
def table_detail(request, release_id, code):
    release = selectors.release_get_for(actor=request.user, pk=release_id)
    table = selectors.release_table_get_for(actor=request.user, release=release, code=code)
    return render(request, "stats/table.html", {"release": release, "table": table, "pivot": pivot(table)})


def export_rows(table) -> tuple[list[str], list[list[str]]]:
    """Every cell, margins included, one per row: dimension values ("*" for a margin), value
    (« s » when secret) and status."""
    names = selectors.dimension_names(table)
    header = [*names, "valeur", "statut"]
    rows = [[*(c.coords.get(n, MARGIN) for n in names), shown(c.value, c.status), c.status]
            for c in selectors.table_cells(table)]
    return header, rows


@network_staff_required
def table_csv(request, release_id, code):
    release = selectors.release_get_for(actor=request.user, pk=release_id)
    table = selectors.release_table_get_for(actor=request.user, release=release, code=code)
    header, rows = export_rows(table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="essaim-{release.period}-v{release.version}-{code}.csv"'
    return response


@network_staff_required
def table_xlsx(request, release_id, code):
    from openpyxl import Workbook

    release = selectors.release_get_for(actor=request.user, pk=release_id)
    table = selectors.release_table_get_for(actor=request.user, release=release, code=code)
    header, rows = export_rows(table)
    book = Workbook()
    sheet = book.active
    sheet.title = code[:31]
    sheet.append(header)
    for row in rows:
        value = row[-2]
        sheet.append([*row[:-2], value if value == "s" else float(value), row[-1]])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="essaim-{release.period}-v{release.version}-{code}.xlsx"'
    return response
