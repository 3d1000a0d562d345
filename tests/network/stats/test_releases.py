"""Releases: drafts protected and audited, published by the network staff; publication refused
when the audit fails or the contributions changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from essaim.core.errors import AppError
from network.stats import consolidation
from network.stats.models import Release, ReleaseCell, ReleaseStanding
from network.stats.releases import KEY_FIGURES, release_create, release_publish
from network.stats.rules import DisclosureSettings

pytestmark = pytest.mark.django_db


def test_a_draft_stores_every_cell_protected_and_audited(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    assert release.status == "draft" and release.version == 1 and release.audit["ok"]
    assert release.parameters["p_percent"] == "15" and release.parameters["labels"] == "kind"
    built = consolidation.build("2026")
    expected = {}
    for engine_table in built.tables:
        code = built.origin[engine_table.name][0]
        expected[code] = expected.get(code, 0) + len(engine_table.cells)
    for code, n in expected.items():
        assert release.tables.get(code=code).cells.count() == n
    # The per-period tables are merged back: the region × sector table has both years, no year sum.
    years = {c.coords["year"] for c in ReleaseCell.objects.filter(table__release=release,
                                                                  table__code="entrepreneurs_region_sector")}
    assert years == {"2025", "2026"}
    cells = ReleaseCell.objects.filter(table__release=release)
    suppressed = cells.filter(status__in=["primary", "secondary"])
    assert suppressed.exists() and not suppressed.exclude(value=None).exists()
    assert not cells.filter(status="published", value=None).exists()
    # A margin is "*"; a department cell names its region.
    margin = cells.get(table__code="entrepreneurs_region_sector", coords={"region": "*", "sector": "*", "year": "2026"})
    assert margin.status == "published"
    assert margin.value == next(t for t in built.tables if t.name == "entrepreneurs_region_sector@2026").cells[
        ("*", "*")].value
    dept = cells.filter(table__code="entrepreneurs_department", coords__department="51").first()
    assert dept.coords["region"] == "44"
    # Key figures are cells that went through the same control.
    key = {c.coords["indicator"]: c for c in cells.filter(table__code=KEY_FIGURES)}
    assert key["entrepreneurs"].value == margin.value
    assert key["caes"].value == 4  # the test world's two CAEs have nobody
    assert cells.get(table__code="caes", coords={"year": "*"}).value == 8  # CAE-years
    for code, c in key.items():
        assert (c.value is None) == (c.status in ("primary", "secondary")), code
    assert release.audit["sensitive_cells"] > 0 and release.audit["suppressed_cells"] >= release.audit["sensitive_cells"]


def test_versions_and_publication(collected, world):
    staff = world.user("network_staff")
    first = release_create(period="2026", acting_user=staff)
    second = release_create(period="2026", acting_user=staff)
    assert (first.version, second.version) == (1, 2)
    release_publish(release=second, acting_user=staff)
    second.refresh_from_db()
    assert second.is_published and second.published_by == staff
    with pytest.raises(AppError) as exc:
        release_publish(release=second, acting_user=staff)
    assert exc.value.code == "release_already_published"
    with pytest.raises(AppError) as exc:
        release_create(period="26", acting_user=staff)
    assert exc.value.code == "invalid_period"


def test_publication_fails_if_the_audit_fails(collected, world):
    # With insiders ignored the optimiser may choose a pattern an insider sees through; with so
    # few CAEs, the re-audit with insiders (what is published must pass) then fails.
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    release.audit = {**release.audit, "ok": False}
    release.save(update_fields=["audit"])
    with pytest.raises(AppError) as exc:
        release_publish(release=release, acting_user=None)
    assert exc.value.code == "release_audit_failed"
    release.refresh_from_db()
    assert not release.is_published


def test_publication_fails_if_the_stored_pattern_leaks(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    # Publish a secondary cell's value: the primary cell it protected can be recomputed.
    leak = ReleaseCell.objects.filter(table__release=release, status="secondary").exclude(
        table__code=KEY_FIGURES).first()
    assert leak is not None
    leak.status, leak.value = "published", Decimal(1)
    leak.save(update_fields=["status", "value"])
    with pytest.raises(AppError) as exc:
        release_publish(release=release, acting_user=None)
    assert exc.value.code == "release_audit_failed"


def test_publication_fails_if_the_contributions_changed(collected, world):
    from network.stats.collection import collection_run
    from tenants.people.models import Site
    from tests.conftest import tenant_context

    from .conftest import AS_OF

    release = release_create(period="2026", acting_user=world.user("network_staff"))
    coop = collected[0]
    with tenant_context(coop):
        Site.objects.create(name="Permanence nouvelle", city="Reims", department="51")
    collection_run(cooperative=coop, year=2026, today=AS_OF)
    with pytest.raises(AppError) as exc:
        release_publish(release=release, acting_user=None)
    assert exc.value.code == "release_sources_changed"


def test_standings_give_each_cae_its_rank(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    rows = ReleaseStanding.objects.filter(release=release, indicator="entrepreneurs")
    assert rows.count() == 4
    assert sorted(r.rank for r in rows) == [1, 2, 3, 4] and {r.out_of for r in rows} == {4}
    biggest = rows.get(rank=1)
    assert biggest.cooperative == collected[0]  # CESAME has twice the people


def test_settings_are_snapshotted_and_used(collected, world):
    strict = DisclosureSettings(count_min_people=5)
    release = release_create(period="2026", acting_user=None, settings=strict)
    assert release.parameters["count_min_people"] == "5"
    default = release_create(period="2026", acting_user=None)
    strict_suppressed = release.audit["sensitive_cells"]
    assert strict_suppressed >= default.audit["sensitive_cells"]
    assert Release.objects.count() == 2
