"""Releases: drafts protected and audited, published by the network staff; publication refused
when the audit fails or the contributions changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from essaim.core.errors import AppError
from network.stats import consolidation
from network.stats.models import Release, ReleaseCell
from network.stats.releases import KEY_FIGURES, release_create, release_publish
from network.stats.rules import DisclosureSettings
from network.stats.standings import own_standings

pytestmark = pytest.mark.django_db


def test_a_draft_stores_every_cell_protected_and_audited(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    assert release.status == "draft" and release.version == 1 and release.audit["ok"]
    assert release.parameters["p_percent"] == "15" and release.parameters["labels"] == "kind"
    built = consolidation.build("2026")
    expected = {}
    for engine_table in built.tables:
        code = built.origin[engine_table.name][0]
        # A table that is its one cell (CAEs, sites, ...) is stored without its margin (the same cell).
        expected[code] = expected.get(code, 0) + len(engine_table.cells) - (code in consolidation.TIME_ONLY)
    for code, n in expected.items():
        assert release.tables.get(code=code).cells.count() == n
    # A release holds its own period only: 2025 was collected, but it is shown from its own
    # release (tests below), never recomputed here.
    years = {c.coords["year"] for c in ReleaseCell.objects.filter(table__release=release).exclude(
        table__code=KEY_FIGURES)}
    assert years == {"2026"}
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
    assert list(cells.filter(table__code="caes").values_list("coords", "value")) == [({"year": "2026"}, 4)]
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
        release_publish(release=release, acting_user=world.user("network_staff"))
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
        release_publish(release=release, acting_user=world.user("network_staff"))
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
        release_publish(release=release, acting_user=world.user("network_staff"))
    assert exc.value.code == "release_sources_changed"


def test_standings_give_each_cae_its_rank(collected, world):
    release = release_create(period="2026", acting_user=world.user("network_staff"))
    rows = {coop: {s.indicator: s for s in own_standings(cooperative=coop, release=release)} for coop in collected}
    entrepreneurs = [own["entrepreneurs"] for own in rows.values()]
    assert sorted(r.rank for r in entrepreneurs) == [1, 2, 3, 4] and {r.out_of for r in entrepreneurs} == {4}
    assert rows[collected[0]]["entrepreneurs"].rank == 1  # CESAME has twice the people
    assert set(rows[collected[0]]) == {"entrepreneurs", "revenue", "fte", "women_share", "workshops", "sites"}
    assert own_standings(cooperative=world.cae_a, release=release) == []  # nobody: not ranked


def test_standings_are_sealed(collected, world):
    from network.stats.models import ReleaseStanding, StandingsSealed

    release = release_create(period="2026", acting_user=world.user("network_staff"))
    with pytest.raises(StandingsSealed):
        list(ReleaseStanding.objects.filter(release=release))
    with pytest.raises(StandingsSealed):
        ReleaseStanding.objects.count()
    # The release (and its standings, by the sealed table's own manager) can still be deleted.
    assert ReleaseStanding.standing_rows.filter(release=release).exists()
    release.delete()
    assert not ReleaseStanding.standing_rows.filter(release_id=release.pk).exists()


def test_settings_are_snapshotted_and_used(collected, world):
    strict = DisclosureSettings(count_min_people=5)
    release = release_create(period="2026", acting_user=world.user("network_staff"), settings=strict)
    assert release.parameters["count_min_people"] == "5"
    default = release_create(period="2026", acting_user=world.user("network_staff"))
    strict_suppressed = release.audit["sensitive_cells"]
    assert strict_suppressed >= default.audit["sensitive_cells"]
    assert Release.objects.count() == 2


# -- what several releases tell together -----------------------------------------------------------

def test_publishing_a_new_version_supersedes_the_previous_one(collected, world):
    """Two versions of one period served side by side would let their differences be read: the
    one published before is withdrawn (superseded), kept for the record."""
    staff = world.user("network_staff")
    first = release_publish(release=release_create(period="2026", acting_user=staff), acting_user=staff)
    second = release_create(period="2026", acting_user=staff)
    third = release_create(period="2026", acting_user=staff)
    release_publish(release=third, acting_user=staff)
    first.refresh_from_db()
    assert first.status == "superseded" and first.superseded_at is not None and first.published_at is not None
    assert list(Release.objects.filter(period="2026", status="published")) == [third]
    with pytest.raises(AppError) as exc:  # an older draft cannot come back over a newer version
        release_publish(release=second, acting_user=staff)
    assert exc.value.code == "release_outdated"
    with pytest.raises(AppError) as exc:
        release_publish(release=first, acting_user=staff)
    assert exc.value.code == "release_superseded"
    # Another period is not touched.
    other = release_publish(release=release_create(period="2025", acting_user=staff), acting_user=staff)
    third.refresh_from_db()
    assert third.is_published and other.is_published
    # The database holds one published version per period, whoever writes.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=second.pk).update(status="published")


def test_a_quarter_release_publishes_no_flow_and_no_end_of_period_figure(collected, world):
    """The year is the sum of its quarters (revenue, exits, workshops, attendance) and ends with
    its last quarter (FTE, sites, stage reached): with the year and its quarters published, a
    quarter's flows would let a secret cell of the year be recomputed (engine case below). The
    quarter releases leave them out, so both can be published."""
    from network.stats.consolidation import QUARTER_TABLES

    staff = world.user("network_staff")
    year = release_publish(release=release_create(period="2026", acting_user=staff), acting_user=staff)
    assert {"revenue_region_sector", "exits_outcome", "workshops", "fte_sector"} <= set(
        year.tables.values_list("code", flat=True))
    tied = {"revenue_region_sector", "revenue_kind", "exits_outcome", "workshops", "attendance", "fte_sector", "sites",
            "entrepreneurs_stage"}
    for period in ("2026-Q1", "2026-Q4"):
        quarter = release_publish(release=release_create(period=period, acting_user=staff), acting_user=staff)
        codes = set(quarter.tables.values_list("code", flat=True))
        assert codes == {*QUARTER_TABLES, KEY_FIGURES} and not codes & tied, codes
        indicators = set(ReleaseCell.objects.filter(table__release=quarter, table__code=KEY_FIGURES).values_list(
            "coords__indicator", flat=True))
        assert "entrepreneurs" in indicators and "women_share" in indicators
        assert not indicators & {"revenue", "exits", "workshops", "attendance", "fte", "sites", "associates"}
        assert not any(i.startswith(("stage:", "outcome:")) for i in indicators)
        assert quarter.is_published and quarter.audit["ok"]
    year.refresh_from_db()
    assert year.is_published
    # The dashboard of a quarter draws what it has (no revenue, FTE nor workshops).
    from tests.conftest import client_for

    page = client_for(None, staff).get("/statistiques/", {"version": quarter.pk})
    assert page.status_code == 200
    assert [title for title, _chart, _points in page.context["trends"]] == ["Entrepreneur·es"]
    assert "Chiffre d'affaires" not in "".join(label for label, _v, _s in page.context["cards"])
    # A CAE is ranked in a quarter on what the quarter publishes only.
    assert {s.indicator for s in own_standings(cooperative=collected[0], release=quarter)} == {
        "entrepreneurs", "women_share"}


def test_a_year_and_its_quarters_protected_apart_leak():
    """The leak the quarter rule closes, on hand-made revenue by sector: the year and each quarter
    pass their own audit, yet with the year = the sum of its quarters, the year's secret B is the
    sum of four published quarter cells, and then A = total − B − C."""
    from network.stats import Dimension, Kind, audit_tables, build_table, protect_tables

    from .helpers import money, row_table, safe

    quarters = {"Q1": {"A": [money("x", 100)], "B": safe(400), "C": safe(150)},
                "Q2": {"A": [], "B": safe(50), "C": safe(250)},
                "Q3": {"A": [], "B": safe(30), "C": safe(250)},
                "Q4": {"A": [], "B": safe(20), "C": safe(250)}}
    year = row_table({"A": [money("x", 100)], "B": safe(500), "C": safe(900)}, name="year",
                     measure="revenue@2026")
    apart = {"year": protect_tables([year])}
    for q, values in quarters.items():
        apart[q] = protect_tables([row_table(values, name=q, measure=f"revenue@2026-{q}")])
    assert all(r.ok for r in apart.values())
    hidden = {name: {coords for coords, c in r.tables[0].cells.items() if c.value is None} for name, r in apart.items()}
    assert hidden["year"] == {("A",), ("B",)} and hidden["Q1"] == {("A",), ("C",)}
    assert hidden["Q2"] == hidden["Q3"] == hidden["Q4"] == set()
    # What an outsider holding both releases knows: one table, the quarters grouped into the year.
    sector = Dimension("sector", ("A", "B", "C"))
    quarter = Dimension("quarter", tuple(quarters), groups=dict.fromkeys(quarters, "Y"), group_name="year")
    joint = build_table(name="joint", measure="revenue", kind=Kind.MAGNITUDE, dimensions=(sector, quarter),
                        contributions={(s, q): items for q, values in quarters.items() for s, items in values.items()})
    assert joint.cells[("B", "Y")].value == year.cells[("B",)].value
    suppressed = {(s, q) for q in quarters for (s,) in hidden[q]} | {(s, q) for (s,) in hidden["year"]
                                                                     for q in ("Y", "*")}
    (report,) = audit_tables([joint], {"joint": suppressed})
    assert not report.ok
    assert {f.where for f in report.failures if f.attacker == "outsider"} >= {"joint A/Y", "joint A/*"}


def test_two_prepares_at_once_number_their_versions(collected, world, django_db_blocker):
    """« Préparer » twice at the same moment (real parallel transactions): versions 1, 2, 3,
    never two of the same number (a unique-constraint error, a 500)."""
    from tests.conftest import run_in_parallel

    try:
        outcomes = run_in_parallel(lambda _: release_create(period="2025",
                                                            acting_user=world.user("network_staff")).version, [1, 2, 3],
                                   cooperative=world.cae_a, django_db_blocker=django_db_blocker, timeout=300)
        assert sorted(map(str, outcomes)) == ["1", "2", "3"], outcomes
    finally:
        # The threads committed their drafts: remove them the same way, for the other tests.
        run_in_parallel(lambda _: Release.objects.filter(period="2025").delete(), [0],
                        cooperative=world.cae_a, django_db_blocker=django_db_blocker)


def test_the_demo_ends_with_a_published_release(collected, world):
    """`make run` loads the demo, whose statistics must end published: a draft left because
    its audit failed would be a silent failure."""
    from demo.stats import demo_statistics

    from .conftest import AS_OF

    release = demo_statistics(reference=AS_OF)
    assert release is not None and release.period == "2026" and release.audit["ok"]
    release.refresh_from_db()
    assert release.is_published
    # the year before too, so that the dashboard's trends (read from published releases) have two points
    assert sorted(Release.objects.filter(status="published").values_list("period", flat=True)) == ["2025", "2026"]


# -- the thresholds come from the settings -----------------------------------------------------

def test_configured_thresholds_change_the_suppression_and_are_recorded(collected, world, settings):
    network_staff = world.user("network_staff")
    default = release_create(period="2026", acting_user=network_staff)
    settings.ESSAIM_DISCLOSURE = {**settings.ESSAIM_DISCLOSURE, "count_min_people": 8, "magnitude_min_people": 40}
    strict = release_create(period="2026", acting_user=network_staff)
    assert (default.parameters["count_min_people"], strict.parameters["count_min_people"]) == ("3", "8")
    assert strict.parameters["magnitude_min_people"] == "40"
    assert strict.audit["sensitive_cells"] > default.audit["sensitive_cells"]

    def published_small_counts(release):
        return ReleaseCell.objects.filter(table__release=release, table__kind="count", status="published",
                                          value__gte=3, value__lt=8).count()

    assert published_small_counts(default) > 0 and published_small_counts(strict) == 0
    # Published with the settings it recorded (re-audited with them), whatever the settings now.
    settings.ESSAIM_DISCLOSURE = {}
    assert release_publish(release=strict, acting_user=network_staff).is_published


def test_thresholds_are_read_from_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("from django.conf import settings; from network.stats.conf import configured_settings; "
            "s = configured_settings(); print(s.count_min_people, s.magnitude_min_caes, s.p_percent, "
            "s.protection_ratio, s.count_min_caes)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "essaim.settings.test", "ESSAIM_DISCLOSURE_COUNT_MIN_PEOPLE": "5",
           "ESSAIM_DISCLOSURE_MAGNITUDE_MIN_CAES": "4", "ESSAIM_DISCLOSURE_P_PERCENT": "20",
           "ESSAIM_DISCLOSURE_PROTECTION_RATIO": "0.15"}
    env.pop("ESSAIM_DISCLOSURE_COUNT_MIN_CAES", None)
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,  # noqa: S603
                         check=True)
    assert out.stdout.split() == ["5", "4", "20", "0.15", "2"]


def test_impossible_thresholds_stop_everything(settings):
    from django.core.exceptions import ImproperlyConfigured

    from network.stats.conf import configured_settings

    for bad in ({"p_percent": "quinze"}, {"p_percent": "150"}, {"count_min_people": 0},
                {"protection_ratio": "NaN"}, {"count_min_poeple": 3}):
        settings.ESSAIM_DISCLOSURE = bad
        with pytest.raises(ImproperlyConfigured):
            configured_settings()
    settings.ESSAIM_DISCLOSURE = {"p_percent": "12.5"}
    assert configured_settings() == DisclosureSettings(p_percent=Decimal("12.5"))


def test_a_protection_out_of_time_is_refused_in_french_and_creates_nothing(collected, world):
    with pytest.raises(AppError, match="n'ont pas pu être protégés") as refused:
        release_create(period="2026", acting_user=world.user("network_staff"), settings=DisclosureSettings(protection_seconds=0))
    assert refused.value.code == "release_protection_failed"
    assert not Release.objects.exists() and not ReleaseCell.objects.exists()
