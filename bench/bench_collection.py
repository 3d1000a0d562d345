"""Collection of the network statistics over 1,000 CAEs × 100 entrepreneurs: the whole collection
(each CAE's aggregate functions inside its schema, then its contribution upserted), with two worker
processes as a 2-core Celery worker would run it, against the practical lower bound: one
hand-written SQL `UNION ALL` over every schema computing the same figures, same run. Then one
changed CAE re-collected, and the release (protection + audit) built from the collected tables.

Set-up (not timed): schemas from the spare pool, built by replaying the migrations' SQL (as
bench_provisioning.py does); `--templates` CAEs written by the demo generator (people, journeys,
contracts, invoices, workshops, 100 people each); every other CAE gets a copy of one template's
rows, by SQL, into its own schema (its own registry row, region and kind).

    python bench/bench_collection.py [--caes 1000] [--people 100] [--templates 12] [--batch 40] [--keep] [--reuse]
                                     [--database NAME] [--no-write]

A small trial run beside others: `--caes 20 --database essaim_bench_collection_me --no-write` (its
own database, and bench/results/collection.json left as the full run wrote it).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from datetime import date

import benchlib

from essaim.audit.actors import SystemActor

DATABASE = "essaim_bench_collection"  # its own database: other benches recreate essaim_bench
REFERENCE = date(2026, 11, 1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--caes", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--templates", type=int, default=12)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=40, help="Schemas per UNION ALL statement of the bound.")
    parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Reuse the network a --keep run (or a crash) left.")
    parser.add_argument("--database", default=DATABASE, help="The bench database (dropped and created).")
    parser.add_argument("--no-write", action="store_true", help="Print the results, do not write the JSON.")
    return parser.parse_args()


def setup(reuse: bool = False, database: str = DATABASE) -> None:
    benchlib.BENCH_DATABASE = database
    url = benchlib.database_url()
    if not reuse:
        benchlib.recreate_bench_database(url)
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database  # before the first connection
    from django.core.management import call_command
    from django.db import connection

    assert connection.settings_dict["NAME"] == database
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)


def copied_tables():
    from tenants.activity.models import Customer, Invoice
    from tenants.people.models import Contract, ContractAmendment, Entrepreneur, Journey, JourneyEvent, Site
    from tenants.support.models import Workshop, WorkshopRegistration

    return [m._meta.db_table for m in (Site, Entrepreneur, Journey, JourneyEvent, Contract, ContractAmendment,
                                       Customer, Invoice, Workshop, WorkshopRegistration)]


def build(args) -> list:
    from bench_provisioning import ReplayedSpares
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from demo.generator import cooperative_write, network_plan
    from essaim.cooperatives.models import Cooperative
    from essaim.cooperatives.provisioning import pool_size
    from essaim.cooperatives.services import cooperative_create

    started = time.perf_counter()
    plans = network_plan(cooperatives=args.caes, entrepreneurs=args.people, seed=2026, reference=REFERENCE)
    plans[0].people = plans[0].people[: args.people]  # the first demo CAE has twice as many
    replay = ReplayedSpares()
    password = make_password("bench")
    templates = []
    step = max(1, args.caes // args.templates)
    template_index = set(range(0, args.caes, step)[: args.templates])
    for i, plan in enumerate(plans):
        if replay is not None and pool_size() == 0:
            replay.make()
        if i in template_index:
            templates.append(cooperative_write(plan, index=i, password_hash=password))
            continue
        coop = cooperative_create(
            name=plan.name, legal_name=plan.legal_name, slug=plan.slug, siren=plan.siren, siret=plan.siret,
            region=plan.region, address=plan.address, postal_code=plan.postal_code, city=plan.city,
            kind=plan.kind, sector=plan.sector, contribution_rate=plan.contribution_rate,
                                  acting_user=SystemActor("bench"))
        source = templates[-1] if templates else None
        if source is None:  # the first CAE is a template: never happens with step >= 1
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # What the migrations put in a new schema (a default site...) makes way for the copy.
            names = ", ".join(f'"{coop.schema_name}"."{t}"' for t in copied_tables())
            cursor.execute(f"TRUNCATE {names} CASCADE")
            for table in copied_tables():
                target = f'"{coop.schema_name}"."{table}"'
                cursor.execute(f'INSERT INTO {target} SELECT * FROM "{source.schema_name}"."{table}"')
                cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(max(id), 1)) "
                               f"FROM {target}", [target])
        connection.set_schema_to_public()
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} CAE ({Cooperative.objects.count()} in the registry) — "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    coops = list(Cooperative.objects.exclude(schema_name="public").order_by("pk"))
    print(f"Set-up: {len(coops)} CAE in {time.perf_counter() - started:.0f} s", flush=True)
    if len(coops) != args.caes:
        raise SystemExit(f"only {len(coops)} CAE in the registry after the set-up, {args.caes} expected")
    return coops


# -- the collection, as two worker processes would run it ------------------------------------------

def _worker(ids: list[int]) -> tuple[int, int]:
    from django.db import connection

    from essaim.cooperatives.models import Cooperative
    from network.stats.collection import collection_run

    connection.close()  # a fresh connection in this process
    written = unchanged = 0
    for coop in Cooperative.objects.filter(pk__in=ids).order_by("pk"):
        result = collection_run(cooperative=coop, year=2026, today=REFERENCE)
        written += result.written
        unchanged += result.unchanged
    connection.close()
    return written, unchanged


def collect_all(coops, processes: int) -> tuple[float, int, int]:
    from django.db import connections

    ids = [c.pk for c in coops]
    chunks = [ids[i::processes * 8] for i in range(processes * 8)]
    connections.close_all()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_worker, chunks, chunksize=1)
    return time.perf_counter() - started, sum(r[0] for r in results), sum(r[1] for r in results)


# -- the lower bound: the same figures, one hand-written statement over every schema ---------------

def union_all_sql(schemas: list[str]) -> tuple[str, list]:
    """Every source of every schema in one statement, rows of one shape:
    (schema, source, period, k1..k5, n, total, top)."""
    from network.stats.collection import periods_of

    periods = periods_of(2026, REFERENCE)
    p_values = ", ".join(f"('{p.code}', DATE '{p.start}', DATE '{p.end}')" for p in periods)
    parts = []
    for s in schemas:
        q = f'"{s}"'
        parts.append(f"""(WITH p(code, s, e) AS (VALUES {p_values}),
          j AS (SELECT DISTINCT ON (p.code, j.entrepreneur_id) p.code, p.e, j.id, j.entrepreneur_id, j.closed_on
                FROM {q}.people_journey j JOIN p ON j.opened_on <= p.e AND (j.closed_on IS NULL OR j.closed_on >= p.s)
                ORDER BY p.code, j.entrepreneur_id, j.opened_on DESC, j.id DESC),
          st AS (SELECT j.code, j.entrepreneur_id, CASE WHEN j.closed_on IS NOT NULL AND j.closed_on <= j.e THEN -1
                 ELSE COALESCE((SELECT max(CASE ev.kind WHEN 'info_session' THEN 1 WHEN 'follow_up' THEN 2
                   WHEN 'cape_signed' THEN 3 WHEN 'cape_renewed' THEN 3 WHEN 'first_revenue' THEN 3
                   WHEN 'cesa_signed' THEN 4 WHEN 'amendment' THEN 4 WHEN 'associate' THEN 5 ELSE 0 END)
                   FROM {q}.people_journeyevent ev WHERE ev.journey_id = j.id AND ev."on" <= j.e), 0) END AS rank FROM j)
          SELECT '{s}', 'entrepreneurs', st.code, st.rank::text, left(e.sector_naf, 2), e.gender, si.department,
                 e.entry_situation, count(*)::int, NULL::numeric, NULL::numeric[]
          FROM st JOIN {q}.people_entrepreneur e ON e.id = st.entrepreneur_id JOIN {q}.people_site si ON si.id = e.site_id
          GROUP BY 3, 4, 5, 6, 7, 8)
        UNION ALL (WITH p(code, s, e) AS (VALUES {p_values})
          SELECT '{s}', 'exits', p.code, j.exit_outcome, left(e.sector_naf, 2), si.department, NULL, NULL, count(*)::int,
                 NULL, NULL
          FROM {q}.people_journey j JOIN p ON j.closed_on BETWEEN p.s AND p.e
          JOIN {q}.people_entrepreneur e ON e.id = j.entrepreneur_id JOIN {q}.people_site si ON si.id = e.site_id
          GROUP BY 3, 4, 5, 6)
        UNION ALL (WITH p(code, s, e) AS (VALUES {p_values}),
          h AS (SELECT p.code, j.entrepreneur_id, sum(COALESCE((SELECT a.weekly_hours FROM {q}.people_contractamendment a
                  WHERE a.contract_id = c.id AND a.effective_on <= p.e ORDER BY a.effective_on DESC, a.id DESC LIMIT 1),
                  c.weekly_hours, 0)) AS hours
                FROM {q}.people_contract c JOIN {q}.people_journey j ON j.id = c.journey_id
                JOIN p ON c.starts_on <= p.e AND (c.ends_on IS NULL OR c.ends_on >= p.e) WHERE c.kind = 'cesa' GROUP BY 1, 2),
          v AS (SELECT h.code, left(e.sector_naf, 2) AS naf, si.department AS dept, round(h.hours / 35, 4) AS v
                FROM h JOIN {q}.people_entrepreneur e ON e.id = h.entrepreneur_id JOIN {q}.people_site si ON si.id = e.site_id)
          SELECT '{s}', 'fte', code, naf, dept, NULL, NULL, NULL, count(*)::int, sum(v), (array_agg(v ORDER BY v DESC))[1:2]
          FROM v GROUP BY 3, 4, 5)
        UNION ALL (WITH p(code, s, e) AS (VALUES {p_values}),
          r AS (SELECT p.code, i.entrepreneur_id, sum(i.total_excl_vat) AS v FROM {q}.activity_invoice i
                JOIN p ON i.issued_on BETWEEN p.s AND p.e WHERE i.status = 'finalised' GROUP BY 1, 2),
          c AS (SELECT r.code, left(e.sector_naf, 2) AS naf, si.department AS dept, r.v FROM r
                JOIN {q}.people_entrepreneur e ON e.id = r.entrepreneur_id JOIN {q}.people_site si ON si.id = e.site_id
                WHERE r.v > 0)
          SELECT '{s}', 'revenue', code, naf, dept, NULL, NULL, NULL, count(*)::int, sum(v), (array_agg(v ORDER BY v DESC))[1:2]
          FROM c GROUP BY 3, 4, 5)
        UNION ALL (SELECT '{s}', 'sites', NULL, NULL, NULL, NULL, NULL, NULL, count(*)::int, NULL, NULL
          FROM {q}.people_site WHERE is_active)
        UNION ALL (WITH p(code, s, e) AS (VALUES {p_values})
          SELECT '{s}', 'workshops', p.code, NULL, NULL, NULL, NULL, NULL, count(*)::int, NULL, NULL
          FROM {q}.support_workshop w JOIN p ON (w.starts_at AT TIME ZONE 'Europe/Paris')::date BETWEEN p.s AND p.e
          GROUP BY 3)
        UNION ALL (WITH p(code, s, e) AS (VALUES {p_values}),
          a AS (SELECT p.code, r.entrepreneur_id, count(*) AS n FROM {q}.support_workshopregistration r
                JOIN {q}.support_workshop w ON w.id = r.workshop_id
                JOIN p ON (w.starts_at AT TIME ZONE 'Europe/Paris')::date BETWEEN p.s AND p.e
                WHERE r.status = 'attended' GROUP BY 1, 2)
          SELECT '{s}', 'attendance', code, NULL, NULL, NULL, NULL, NULL, count(*)::int, sum(n),
                 (array_agg(n ORDER BY n DESC))[1:2]::numeric[] FROM a GROUP BY 3)""")  # noqa: S608 - generated names
    return "\nUNION ALL\n".join(parts), []


def sql_bound(coops, batch: int) -> tuple[float, int]:
    """The bound's statements: `batch` schemas per UNION ALL statement, on one connection. One
    statement over all 1,000 schemas needs a lock on ~40,000 relations at once, beyond
    PostgreSQL's default lock table (max_locks_per_transaction = 64): "out of shared memory"."""
    from django.db import connection

    schemas = [c.schema_name for c in coops]
    statements = [union_all_sql(schemas[i:i + batch])[0] for i in range(0, len(schemas), batch)]
    rows = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            rows += len(cursor.fetchall())
    return time.perf_counter() - started, rows


def main() -> int:
    args = parse_args()
    total_started = time.perf_counter()
    setup(args.reuse, args.database)
    from django.db import connection

    from network.stats.collection import collection_run
    from network.stats.releases import release_create

    if args.reuse:
        from essaim.cooperatives.models import Cooperative
        from network.stats.models import CaeContribution, Release

        coops = list(Cooperative.objects.exclude(schema_name="public").order_by("pk"))
        Release.objects.all().delete()
        CaeContribution.consolidation_rows.all().delete()  # collected again from nothing
    else:
        coops = build(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'cae\\_%'")
        schemas = cursor.fetchone()[0]
    people = 0
    for coop in coops[:: max(1, len(coops) // 20)]:
        with coop, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM people_entrepreneur")
            people += cursor.fetchone()[0]
    connection.set_schema_to_public()
    people_estimate = round(people / len(coops[:: max(1, len(coops) // 20)]) * len(coops))

    # Same run, interleaved: bound, first collection (writes), bound, second collection (unchanged).
    bound_1, bound_rows = sql_bound(coops, args.batch)
    print(f"SQL UNION ALL bound: {bound_1:.2f} s ({bound_rows} rows)", flush=True)
    first, written, unchanged = collect_all(coops, args.processes)
    print(f"Collection ({args.processes} processes), first: {first:.2f} s — {written} rows written", flush=True)
    bound_2, _ = sql_bound(coops, args.batch)
    again, written_2, unchanged_2 = collect_all(coops, args.processes)
    print(f"SQL bound again: {bound_2:.2f} s; collection again (unchanged): {again:.2f} s — "
          f"{written_2} written, {unchanged_2} unchanged", flush=True)
    bound = min(bound_1, bound_2)

    # One changed CAE: a new site and an invoice.
    from tenants.people.models import Site

    changed = coops[len(coops) // 2]
    with changed:
        Site.objects.create(name="Permanence du bench", city="Lyon", department="69")
    connection.set_schema_to_public()
    samples, first_recollect = [], 0.0
    for _ in range(5):
        started = time.perf_counter()
        result = collection_run(cooperative=changed, year=2026, today=REFERENCE)
        samples.append(time.perf_counter() - started)
        if result.written:
            first_recollect = samples[-1]
    one = benchlib.median(samples)
    print(f"Re-collecting one changed CAE: {first_recollect:.3f} s (median of 5 runs, unchanged after the "
          f"first: {one:.3f} s)", flush=True)

    started = time.perf_counter()
    release = release_create(period="2026", acting_user=SystemActor("bench"))
    release_seconds = time.perf_counter() - started
    print(f"Release 2026 from the collected tables: {release_seconds:.2f} s, audit ok: {release.audit['ok']}, "
          f"{release.audit['suppressed_cells']} suppressed of {release.audit['cells']} cells", flush=True)

    payload = {
        "bench": "collection",
        "when": benchlib.now_iso(),
        "machine": benchlib.machine(),
        "postgres": benchlib.postgres_version(),
        "sizes": {"caes": len(coops), "schemas": schemas, "entrepreneurs_estimate": people_estimate,
                  "templates": args.templates, "periods": ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
                  "sources_per_period": 7},
        "collection": {"processes": args.processes, "first_run_s": round(first, 2), "rows_written": written,
                       "second_run_unchanged_s": round(again, 2), "rows_unchanged": unchanged_2},
        "sql_union_all_bound": {"runs_s": [round(bound_1, 2), round(bound_2, 2)], "rows": bound_rows,
                                "schemas_per_statement": args.batch,
                                "note": "UNION ALL statements on one connection: the figures computed, nothing "
                                        "stored; one statement over all schemas exceeds the default lock table"},
        "ratio_collection_over_bound": round(first / bound, 2),
        "recollect_one_changed_cae_s": round(first_recollect, 3),
        "recollect_one_unchanged_cae_median_s": round(one, 3),
        "release": {"seconds": round(release_seconds, 2), **{k: release.audit[k] for k in (
            "ok", "cells", "sensitive_cells", "suppressed_cells", "lp_solves", "insider_rounds", "mip_iterations")}},
        "targets": {"collection_s": 60, "ratio": 3, "recollect_one_s": 1},
        "peak_memory_mb": benchlib.peak_memory_mb(),
        "total_s": round(time.perf_counter() - total_started, 1),
    }
    if args.no_write:
        import json

        print(json.dumps(payload, indent=2, default=str), flush=True)
    else:
        print(f"→ {benchlib.write_result('collection', payload)}", flush=True)
    if not args.keep:
        connection.close()
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
