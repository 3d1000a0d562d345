"""Collection over the demo network: consolidated totals equal a direct computation in each
schema; re-running is idempotent; a run killed half-way loses nothing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q, Sum

from essaim.cooperatives.models import Cooperative
from network.stats import consolidation
from network.stats.catalog import region_of_department, sector_of_naf
from network.stats.collection import collection_run
from network.stats.models import CaeContribution, ContributionsSealed
from tests.conftest import tenant_context

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _direct(year: int):
    """The same figures, computed with plain ORM queries in every schema."""
    from tenants.activity.models import Invoice
    from tenants.people.models import Contract, Journey
    from tenants.support.models import Workshop, WorkshopRegistration

    start, end = AS_OF.replace(year=year, month=1, day=1), min(AS_OF, AS_OF.replace(year=year, month=12, day=31))
    out = Counter()
    by_region, by_gender, revenue_by_sector = Counter(), Counter(), Counter()
    for coop in Cooperative.objects.order_by("pk"):
        with tenant_context(coop):
            journeys = Journey.objects.filter(opened_on__lte=end).filter(
                Q(closed_on__isnull=True) | Q(closed_on__gte=start)).select_related("entrepreneur__site")
            people = {j.entrepreneur for j in journeys}
            out["entrepreneurs"] += len(people)
            for person in people:
                by_region[region_of_department(person.site.department)] += 1
                by_gender[person.gender] += 1
            out["exits"] += Journey.objects.filter(closed_on__range=(start, end)).count()
            invoices = Invoice.objects.filter(status="finalised", issued_on__range=(start, end))
            for person_id, net in invoices.values_list("entrepreneur_id").annotate(v=Sum("total_excl_vat")):
                if net > 0:
                    out["revenue"] += net
                    naf = invoices.filter(entrepreneur_id=person_id).values_list(
                        "entrepreneur__sector_naf", flat=True).first()
                    revenue_by_sector[sector_of_naf((naf or "")[:2])] += net
            hours = Decimal(0)
            for contract in Contract.objects.filter(kind="cesa", starts_on__lte=end).filter(
                    Q(ends_on__isnull=True) | Q(ends_on__gte=end)):
                amendment = contract.amendments.filter(effective_on__lte=end).order_by("effective_on", "id").last()
                hours += amendment.weekly_hours if amendment else (contract.weekly_hours or 0)
            out["fte_hours"] += hours
            out["workshops"] += Workshop.objects.filter(starts_at__date__range=(start, end)).count()
            out["attendance"] += WorkshopRegistration.objects.filter(
                workshop__starts_at__date__range=(start, end), status="attended").count()
    return out, by_region, by_gender, revenue_by_sector


def test_consolidated_totals_equal_a_direct_computation(collected):
    expected, by_region, by_gender, revenue_by_sector = _direct(2026)
    assert expected["entrepreneurs"] > 50 and expected["revenue"] > 0 and expected["workshops"] > 0
    built = consolidation.build("2026")
    tables = {t.name: t for t in built.tables}
    total = tables["entrepreneurs_stage@2026"].cells[("*",)]
    assert total.value == expected["entrepreneurs"]
    assert tables["entrepreneurs_region_sector@2026"].cells[("*", "*")].value == expected["entrepreneurs"]
    for region, n in by_region.items():
        assert tables["entrepreneurs_region_sector@2026"].cells[(region, "*")].value == n
    for gender, n in by_gender.items():
        assert tables["entrepreneurs_sector_gender@2026"].cells[("*", gender)].value == n
    assert tables["exits_outcome@2026"].cells[("*",)].value == expected["exits"]
    assert tables["revenue_region_sector@2026"].cells[("*", "*")].value == expected["revenue"]
    for sector, amount in revenue_by_sector.items():
        assert tables["revenue_region_sector@2026"].cells[("*", sector)].value == amount
    fte = tables["fte_sector@2026"].cells[("*",)].value
    assert abs(fte - expected["fte_hours"] / 35) < Decimal("0.01")
    assert tables["workshops@2026"].cells[("2026",)].value == expected["workshops"]
    assert tables["attendance@2026"].cells[("2026",)].value == expected["attendance"]
    assert tables["caes@2026"].cells[("2026",)].value == Cooperative.objects.count() - 2  # the demo CAEs
    # Linked tables hold the same cell: a region's total by department equals its total by sector.
    dept = tables["entrepreneurs_department@2026"]
    assert dept.cells[("44",)].value == by_region["44"]
    # A release's tables hold its own period only (earlier ones are in their own releases), from
    # that period's contributions alone; 2025 and the quarters were collected too.
    assert built.periods == ["2026"] and all(t.name.endswith("@2026") for t in built.tables)
    assert consolidation.available_periods() >= {"2025", "2026-Q1", "2026-Q4", "2025-Q4"}


def test_quarters_add_up_to_the_year_for_flows(collected):
    """Why a quarter release publishes no flow (docs/stats.md): the year is the sum of its
    quarters, table by table and cell by cell."""
    flows = ("revenue_region_sector", "workshops")
    quarters = [{t.name: t for t in consolidation.build(f"2026-Q{i}", codes=flows).tables} for i in range(1, 5)]
    year = {t.name: t for t in consolidation.build("2026", codes=flows).tables}
    for cell in year["revenue_region_sector@2026"].cells:
        assert year["revenue_region_sector@2026"].cells[cell].value == sum(
            q[f"revenue_region_sector@2026-Q{i}"].cells[cell].value for i, q in enumerate(quarters, start=1)), cell
    workshops = sum(q[f"workshops@2026-Q{i}"].cells[(f"2026-Q{i}",)].value for i, q in enumerate(quarters, start=1))
    assert workshops == year["workshops@2026"].cells[("2026",)].value > 0


def test_rerun_is_idempotent(collected):
    before = {(c.cooperative_id, c.period, c.source): (c.content_hash, c.collected_at)
              for c in CaeContribution.consolidation_rows.all()}
    for coop in Cooperative.objects.all():
        result = collection_run(cooperative=coop, year=2026, today=AS_OF)
        assert result.written == 0 and result.unchanged == len(result.periods) * 7
    after = {(c.cooperative_id, c.period, c.source): (c.content_hash, c.collected_at)
             for c in CaeContribution.consolidation_rows.all()}
    assert before == after


def test_one_changed_cae_rewrites_only_its_changed_sources(collected):
    from tenants.people.models import Site

    coop = collected[0]
    with tenant_context(coop):
        Site.objects.create(name="Nouvelle permanence", city="Reims", department="51")
    result = collection_run(cooperative=coop, year=2026, today=AS_OF)
    # "sites", in the year and its running quarter: the quarters that ended keep their count.
    assert result.written == 2 and result.unchanged == len(result.periods) * 7 - 2
    sites = next(t for t in consolidation.build("2026").tables if t.name == "sites@2026")
    with tenant_context(coop):
        assert sites.cells[("2026",)].shares[str(coop.pk)].total == Site.objects.filter(is_active=True).count()


def test_a_period_that_has_ended_keeps_its_sites(collected):
    """Sites have no dates: the count collected is today's. Re-collecting a past year (the nightly
    run does in January) must not give it today's sites; a running period gets them."""
    from tenants.people.models import Site

    coop = collected[0]

    def sites(period):
        table = next(t for t in consolidation.build(period, codes=("sites",)).tables)
        return table.cells[(period,)].shares[str(coop.pk)].total

    before = {p: sites(p) for p in ("2025", "2025-Q4", "2026-Q3", "2026-Q4", "2026")}
    with tenant_context(coop):
        Site.objects.create(name="Antenne de janvier", city="Épernay", department="51")
    assert collection_run(cooperative=coop, year=2025, today=AS_OF).written == 0
    collection_run(cooperative=coop, year=2026, today=AS_OF)
    after = {p: sites(p) for p in before}
    assert after == {**before, "2026-Q4": before["2026-Q4"] + 1, "2026": before["2026"] + 1}


def test_a_run_killed_half_way_loses_nothing_and_the_rerun_gives_identical_tables(collected):
    from tenants.people.models import Site

    reference = consolidation.build("2026")
    coop = collected[1]
    with tenant_context(coop):
        Site.objects.create(name="Antenne test", city="Nantes", department="44")

    class Killed(Exception):
        pass

    def kill(written):
        if written == 2:
            raise Killed

    with pytest.raises(Killed):
        collection_run(cooperative=coop, year=2026, today=AS_OF, after_source=kill)
    # Nothing of the killed run was written: the tables are those of before.
    assert _cells(consolidation.build("2026")) == _cells(reference)
    collection_run(cooperative=coop, year=2026, today=AS_OF)
    once = _cells(consolidation.build("2026"))
    collection_run(cooperative=coop, year=2026, today=AS_OF)
    assert _cells(consolidation.build("2026")) == once != _cells(reference)


def _cells(built):
    return {t.name: {k: (c.value, c.people, dict(c.shares)) for k, c in t.cells.items()} for t in built.tables}


def test_contributions_are_sealed_to_everything_but_the_consolidation(collected):
    with pytest.raises(ContributionsSealed):
        list(CaeContribution.objects.all())
    with pytest.raises(ContributionsSealed):
        CaeContribution.objects.count()


def test_consolidate_command(collected, capsys):
    CaeContribution.consolidation_rows.all().delete()  # rolled back with the test
    first = collected[0]
    call_command("consolidate", period="2026", cooperative=first.slug, today=AS_OF.isoformat())
    assert set(CaeContribution.consolidation_rows.values_list("cooperative_id", flat=True)) == {first.pk}
    call_command("consolidate", period="2026", today=AS_OF.isoformat())
    assert CaeContribution.consolidation_rows.values("cooperative_id").distinct().count() == Cooperative.objects.count()
    out = capsys.readouterr().out
    assert f"{first.slug}: 2026, 2026-Q1, 2026-Q2, 2026-Q3, 2026-Q4 — 0 écrite(s), 35 inchangée(s)" in out
    with pytest.raises(CommandError):
        call_command("consolidate", cooperative="nowhere")


def test_two_runs_of_one_cae_at_once_write_it_once(collected, django_db_blocker):
    from tests.conftest import run_in_parallel

    coop = collected[2]
    outcomes = run_in_parallel(lambda _: collection_run(cooperative=coop, year=2024, today=AS_OF), [1, 2],
                               cooperative=coop, django_db_blocker=django_db_blocker)
    assert sorted((o.written, o.unchanged) for o in outcomes) == [(0, 35), (35, 0)], outcomes
    assert CaeContribution.consolidation_rows.filter(cooperative=coop, period__startswith="2024").count() == 35
