"""Releases: versioned, protected, audited tables built from the stored contributions.

    release = release_create(period="2026", acting_user=staff)      # a draft, protected and audited
    release_publish(release=release, acting_user=staff)             # refused if the audit fails

A draft stores every cell as it would be published (value or null, status) and the audit. Publishing
checks that the contributions have not changed since, and audits the stored pattern again on the
tables rebuilt from them: the publication fails if any attacker narrows a sensitive cell.

What several releases could tell together (docs/stats.md, "Releases"): a release holds its own
period only (a trend shows earlier periods from their own published releases, never recomputed);
publishing a version of a period supersedes the one published before (one version of a period is
served at a time); a quarter release publishes no flow and no end-of-period figure (the year is the
sum of its quarters, its last quarter ends with it).
"""

from __future__ import annotations

import dataclasses
import zlib
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from network.stats.catalog import is_period
from network.stats.conf import configured_settings
from network.stats.consolidation import DIMENSION_LABELS, SPEC_BY_CODE, TIME_ONLY, Built, build
from network.stats.disclosure import ProtectedTable, Protection, audit_tables, protect_tables
from network.stats.models import Release, ReleaseCell, ReleaseTable
from network.stats.rules import DEFAULT_SETTINGS, DisclosureSettings, Labels
from network.stats.secondary import ProtectionError
from network.stats.standings import standings_store
from network.stats.tables import MARGIN, Dimension

KEY_FIGURES = "key_figures"
# pg_advisory_xact_lock(namespace, period): versions of one period are numbered, published and
# superseded one transaction at a time.
_LOCK_NAMESPACE = zlib.crc32(b"network.stats.release") & 0x7FFFFFFF


def settings_snapshot(settings: DisclosureSettings) -> dict:
    return {f.name: str(getattr(settings, f.name)) for f in dataclasses.fields(settings)}


def settings_from(snapshot: dict) -> DisclosureSettings:
    kwargs = {}
    for f in dataclasses.fields(DisclosureSettings):
        if f.name not in snapshot:
            continue
        raw = snapshot[f.name]
        default = getattr(DEFAULT_SETTINGS, f.name)
        if isinstance(default, bool):
            kwargs[f.name] = raw == "True"
        elif isinstance(default, int):
            kwargs[f.name] = int(raw)
        elif isinstance(default, Labels):
            kwargs[f.name] = Labels(raw)
        elif raw == "None":
            kwargs[f.name] = None
        else:
            kwargs[f.name] = Decimal(raw)
    return DisclosureSettings(**kwargs)


def _stored_coords(dimensions: tuple[Dimension, ...], coords: tuple[str, ...]) -> dict[str, str]:
    """Engine coordinates → the published ones: plain codes, "*" for a margin; a department table
    names the region of each cell too (its region totals are cells of the table)."""
    out: dict[str, str] = {}
    for dim, c in zip(dimensions, coords, strict=True):
        if dim.groups:
            if c == MARGIN:
                out[dim.group_name or "group"] = MARGIN
                out[dim.name] = MARGIN
            elif dim.is_leaf(c):
                out[dim.group_name or "group"] = dim.groups[c]
                out[dim.name] = c[1:]
            else:
                out[dim.group_name or "group"] = c
                out[dim.name] = MARGIN
        else:
            out[dim.name] = c
    return out


def _audit_summary(protection: Protection, seconds: float) -> dict:
    failures = [{"cell": f.where, "attacker": f.attacker, "side": f.side}
                for c in protection.components for f in c.audit.failures]
    return {
        "ok": protection.ok,
        "failures": failures[:50],
        "failure_count": len(failures),
        "sensitive_cells": int(sum(int(c.problem.primary.sum()) for c in protection.components)),
        "suppressed_cells": protection.suppressed_cells(),
        "cells": int(sum(c.problem.n for c in protection.components)),
        "linked_groups": len(protection.components),
        "lp_solves": sum(c.audit.lp_solves for c in protection.components),
        "insider_rounds": sum(c.audit.insider_rounds for c in protection.components),
        "mip_iterations": sum(c.pattern.iterations for c in protection.components),
        "seconds": round(seconds, 3),
    }


def _key_figures(built: Built, protected: dict[str, ProtectedTable], labels: dict) -> list[tuple[str, str, object]]:
    """(indicator, label, (value, status, rules)) for the release's period, from protected cells;
    only those whose table the release publishes."""
    p = built.period
    rows: list[tuple[str, str, object]] = []

    def cell(table: str, *coords: str):
        shown = protected.get(f"{table}@{p}")
        if shown is None:
            return None
        c = shown.cells[(p,) if table in TIME_ONLY else coords]
        return c.value, str(c.status), ",".join(str(r) for r in c.rules)

    def add(indicator: str, label: str, figure) -> None:
        if figure is not None:
            rows.append((indicator, label, figure))

    add("caes", "CAE", cell("caes"))
    add("sites", "Sites d'accueil", cell("sites"))
    total = cell("entrepreneurs_region_sector", MARGIN, MARGIN)  # one cell with every entrepreneurs total
    add("entrepreneurs", "Entrepreneur·es accompagné·es", total)
    for code, label in labels["stage"].items():
        add(f"stage:{code}", f"Étape : {label}", cell("entrepreneurs_stage", code))
    add("associates", "Associé·es", cell("entrepreneurs_stage", "associate"))
    add("fte", "Équivalents temps plein (CESA)", cell("fte_sector", MARGIN))
    add("revenue", "Chiffre d'affaires HT facturé (€)", cell("revenue_region_sector", MARGIN, MARGIN))
    women = cell("entrepreneurs_sector_gender", MARGIN, "F")
    add("women", "Femmes", women)
    if women is not None and women[0] is not None and total[0]:
        share = (Decimal(100) * women[0] / total[0]).quantize(Decimal("0.1"))
        add("women_share", "Part des femmes (%)", (share, "published", ""))
    elif women is not None:
        add("women_share", "Part des femmes (%)", (None, women[1] if women[0] is None else "empty", ""))
    for code, label in labels["entry_situation"].items():
        add(f"entry_situation:{code}", f"Situation à l'entrée : {label}",
            cell("entrepreneurs_entry_situation", code))
    add("exits", "Sorties", cell("exits_outcome", MARGIN))
    for code, label in labels["outcome"].items():
        add(f"outcome:{code}", f"Sortie : {label}", cell("exits_outcome", code))
    add("workshops", "Ateliers collectifs tenus", cell("workshops"))
    add("attendance", "Présences aux ateliers", cell("attendance"))
    return rows


def _dimensions_json(built: Built, engine_table) -> list[dict]:
    dims = []
    for dim in engine_table.dimensions:
        if dim.name == built.time_name:
            continue  # added by the caller, for every table
        if dim.groups:
            regions = dict.fromkeys(dim.groups.values())
            region_labels = dict(built.categories.get("region", []))
            dims.append({"name": dim.group_name, "label": DIMENSION_LABELS["region"],
                         "categories": [[r, region_labels.get(r, r)] for r in regions]})
            dims.append({"name": dim.name, "label": DIMENSION_LABELS[dim.name],
                         "categories": [[c[1:], label] for c, label in built.categories[dim.name]]})
        else:
            dims.append({"name": dim.name, "label": DIMENSION_LABELS.get(dim.name, dim.name),
                         "categories": [list(c) for c in built.categories[dim.name]]})
    return dims


def stored_cells(built: Built, protection: Protection):
    """Published table code → [(stored coords, PublishedCell)], each cell with the release's
    period in the time dimension. A table that is its one cell (CAEs, sites, …) keeps no margin:
    it would be the same cell again."""
    out: dict[str, list] = {}
    for engine_table, shown in zip(built.tables, protection.tables, strict=True):
        code, period = built.origin[engine_table.name]
        rows = out.setdefault(code, [])
        for coords, c in shown.cells.items():
            if code in TIME_ONLY and coords != (period,):
                continue
            stored = _stored_coords(engine_table.dimensions, coords)
            stored[built.time_name] = period
            rows.append((stored, c))
    return out


def _store(release: Release, built: Built, protection: Protection) -> None:
    from tenants.people import stats as people_stats

    protected = {t.name: t for t in protection.tables}
    first = {}
    for engine_table in built.tables:
        first.setdefault(built.origin[engine_table.name][0], engine_table)
    tables, cells = [], []
    for position, (code, rows) in enumerate(stored_cells(built, protection).items()):
        spec = SPEC_BY_CODE[code]
        engine_table = first[code]
        dims = _dimensions_json(built, engine_table)
        dims.append({"name": built.time_name, "label": DIMENSION_LABELS[built.time_name],
                     "categories": [[p, p] for p in built.periods]})
        table = ReleaseTable(release=release, code=code, title=spec.title, kind=str(spec.kind),
                             measure=spec.measure, unit=spec.unit, dimensions=dims, position=position)
        tables.append(table)
        for i, (coords, c) in enumerate(rows):
            cells.append(ReleaseCell(table=table, position=i, coords=coords, value=c.value, status=str(c.status),
                                     rules=",".join(str(r) for r in c.rules)))
    key = ReleaseTable(release=release, code=KEY_FIGURES, title=f"Chiffres clés {built.period}", kind="derived",
                       measure="", unit="", position=len(tables),
                       dimensions=[{"name": "indicator", "label": "Indicateur", "categories": []}])
    rows = _key_figures(built, protected, people_stats.labels())
    key.dimensions[0]["categories"] = [[code, label] for code, label, _ in rows]
    tables.append(key)
    for i, (code, _label, (value, status, rules)) in enumerate(rows):
        cells.append(ReleaseCell(table=key, position=i, coords={"indicator": code}, value=value, status=status,
                                 rules=rules))
    ReleaseTable.objects.bulk_create(tables)
    ReleaseCell.objects.bulk_create(cells, batch_size=2000)
    standings_store(release=release, figures=built.standings,
                    tables={built.origin[t.name][0] for t in built.tables})


def _lock_period(period: str) -> None:
    """Serialise, until the transaction ends, every numbering and publication of one period's
    versions. (``select_for_update()`` on an aggregate locks nothing: Django drops FOR UPDATE.)"""
    year, _, quarter = period.partition("-Q")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, int(year) * 10 + int(quarter or 0)])


def release_create(*, period: str, acting_user: Actor, settings: DisclosureSettings | None = None) -> Release:
    """Build, protect and audit the tables of `period` into a new draft version, with the
    configured disclosure settings (conf.py) unless others are given."""
    if not is_period(period):
        raise AppError("invalid_period", "Période invalide (AAAA ou AAAA-Tn, par exemple 2026 ou 2026-Q2).",
                       field="period")
    settings = configured_settings() if settings is None else settings
    started = timezone.now()
    built = build(period)
    try:
        protection = protect_tables(built.tables, settings)
    except ProtectionError as exc:
        raise AppError("release_protection_failed", f"Les tableaux de {period} n'ont pas pu être protégés : {exc}. "
                       "Aucune version n'a été créée.") from exc
    with transaction.atomic():
        _lock_period(period)
        last = Release.objects.filter(period=period).aggregate(v=Max("version"))["v"] or 0
        release = Release.objects.create(
            period=period, version=last + 1, parameters=settings_snapshot(settings),
            audit=_audit_summary(protection, (timezone.now() - started).total_seconds()),
            sources_hash=built.sources_hash, created_by=actor_user(acting_user))
        _store(release, built, protection)
        audit_record(action="release_create", target=f"release:{release.pk}", acting_user=acting_user,
                     details={"period": period, "version": release.version})
    return release


def release_publish(*, release: Release, acting_user: Actor) -> Release:
    """Publish a draft, superseding the version of its period published before. Refused if its
    audit failed, if a later version of the period is already published, if the contributions
    changed since it was built, or if the stored pattern does not pass a new audit on the rebuilt
    tables."""
    with transaction.atomic():
        _lock_period(release.period)
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.is_published:
            raise AppError("release_already_published", "Cette version est déjà publiée.")
        if release.status == Release.Status.SUPERSEDED:
            raise AppError("release_superseded", "Cette version a été remplacée par une version plus récente.")
        if Release.objects.filter(period=release.period, status=Release.Status.PUBLISHED,
                                  version__gt=release.version).exists():
            raise AppError("release_outdated", "Une version plus récente de cette période est déjà publiée : "
                           "préparez-en une nouvelle.")
        if not release.audit.get("ok"):
            raise AppError("release_audit_failed",
                           "L'audit de cette version a échoué : elle ne peut pas être publiée.")
        built = build(release.period)
        if built.sources_hash != release.sources_hash:
            raise AppError("release_sources_changed", "Les contributions des CAE ont changé depuis la préparation "
                           "de cette version : préparez-en une nouvelle.")
        secret = (ReleaseCell.Status.PRIMARY, ReleaseCell.Status.SECONDARY)
        stored = {(code, tuple(sorted(coords.items()))): status in secret
                  for code, coords, status in ReleaseCell.objects.filter(table__release=release).exclude(
                      table__code=KEY_FIGURES).values_list("table__code", "coords", "status")}
        suppressed: dict[str, set[tuple[str, ...]]] = {}
        for engine_table in built.tables:
            code, period = built.origin[engine_table.name]
            marks = suppressed.setdefault(engine_table.name, set())
            for coords in engine_table.cells:
                key = _stored_coords(engine_table.dimensions, coords)
                key[built.time_name] = period
                if stored.get((code, tuple(sorted(key.items()))), True):
                    marks.add(coords)
        reports = audit_tables(built.tables, suppressed, settings_from(release.parameters))
        if not all(r.ok for r in reports):
            raise AppError("release_audit_failed", "L'audit de cette version a échoué : elle ne peut pas être publiée.")
        now = timezone.now()
        Release.objects.filter(period=release.period, status=Release.Status.PUBLISHED).update(
            status=Release.Status.SUPERSEDED, superseded_at=now)
        release.status = Release.Status.PUBLISHED
        release.published_at = now
        release.published_by = actor_user(acting_user)
        release.save(update_fields=["status", "published_at", "published_by"])
        audit_record(action="release_publish", target=f"release:{release.pk}", acting_user=acting_user,
                     details={"period": release.period, "version": release.version})
    return release
