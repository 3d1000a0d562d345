"""Time to create the Nth CAE (N = 10, 100, 1000): spare pool (ours) vs replaying migrations.

Both methods run in the same process, against the same database, interleaved around each N:
  ours        cooperative_create(...)                     renames a spare schema from the pool
  migrations  cooperative_create(..., by_migrations=True) django-tenants' migrate-per-tenant
Each timing is the whole service call: validation, schema, CAE row, domain, commit.

The spares used by the timed creations are built beforehand by the real `pool_refill` (what
Celery beat runs); that background cost is reported per spare, outside the timings.

Between the measuring points the network is filled up to N with CAEs created through the same
pool path, but their spares are built by replaying the SQL that one run of the tenant
migrations executed (captured once), because building 1,000 spares with the migration
machinery would take ~15 minutes of Python on 2 cores. A replayed spare is checked to have
exactly the catalog (tables, columns, indexes, constraints, sequences, migration rows) of a
migrated one before it is used; `--filler migrations` uses `pool_refill` instead (slow).

CAE data comes from the demo generator's deterministic plan (`network_plan`, no people: the
schemas and registry rows are what provisioning depends on).

    python bench/bench_provisioning.py [--sizes 10,100,1000] [--around 5] [--filler replay|migrations] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import time

import benchlib

ROOT = benchlib.ROOT


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="Measuring points N (comma-separated).")
    parser.add_argument("--around", type=int, default=5, help="Creations per method around each N.")
    parser.add_argument("--filler", choices=["replay", "migrations"], default="replay")
    parser.add_argument("--keep", action="store_true", help="Keep the essaim_bench database afterwards.")
    parser.add_argument("--output", default="provisioning", help="Result name (bench/results/<name>.json).")
    return parser.parse_args()


# -- catalog comparison ------------------------------------------------------------------------

# -- filler: spares built by replaying the captured migration SQL -------------------------------
def schema_catalog(schema: str) -> dict:
    from essaim.cooperatives.catalog import schema_catalog as catalog  # after django.setup()

    return catalog(schema)


class ReplayedSpares:
    """The SQL that `schema_migrate` ran once (DDL, migration rows, content types), replayed
    into fresh schemas. Introspection SELECTs and savepoints are left out."""

    CAPTURE = "spare_capture"

    def __init__(self) -> None:
        from django.db import connection, transaction

        from essaim.cooperatives import provisioning
        from essaim.cooperatives.models import SpareSchema

        statements: list[tuple[str, object, bool]] = []

        def record(execute, sql, params, many, context):
            statements.append((sql, params, many))
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with transaction.atomic():
            with connection.execute_wrapper(record):
                provisioning.schema_migrate(self.CAPTURE)
            SpareSchema.objects.create(name=self.CAPTURE, fingerprint=provisioning.migration_fingerprint())
        self.capture_seconds = time.perf_counter() - started
        skip = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")
        self.statements = [s for s in statements if not s[0].lstrip().upper().startswith(skip)]
        self.reference = schema_catalog(self.CAPTURE)
        self.checked = False
        self.made = 0

    def make(self) -> str:
        """Build one spare by replay and register it in the pool; return its name."""
        import secrets

        from django.db import connection, transaction

        from essaim.cooperatives import provisioning
        from essaim.cooperatives.models import SpareSchema

        name = f"spare_{secrets.token_hex(6)}"
        quoted_old, quoted_new = f'"{self.CAPTURE}"', f'"{name}"'
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql, params, many in self.statements:
                    sql = sql.replace(quoted_old, quoted_new)
                    if many:
                        cursor.executemany(sql, params)
                    else:
                        cursor.execute(sql, params)
            connection.set_schema_to_public()  # the replayed SET search_path is forgotten
            SpareSchema.objects.create(name=name, fingerprint=provisioning.migration_fingerprint())
        if not self.checked:
            got = schema_catalog(name)
            if got != self.reference:
                diff = [key for key in got if got[key] != self.reference[key]]
                raise SystemExit(f"A replayed spare differs from a migrated one ({', '.join(diff)}): bench aborted.")
            self.checked = True
        self.made += 1
        return name


# -- the bench -----------------------------------------------------------------------------------

def main() -> int:
    args = parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(","))
    around = args.around
    total_started = time.perf_counter()
    load_start = benchlib.machine()["load_average"]
    benchlib.django_setup()

    from django.db import connection

    from demo.generator import network_plan
    from essaim.audit.actors import SystemActor
    from essaim.cooperatives.models import Cooperative
    from essaim.cooperatives.provisioning import pool_refill, pool_size
    from essaim.cooperatives.services import cooperative_create

    last = sizes[-1] + around
    plans = iter(network_plan(cooperatives=last + 5, entrepreneurs=0, seed=2026))

    def create(**extra):
        plan = next(plans)
        coop = cooperative_create(
            name=plan.name, legal_name=plan.legal_name, slug=plan.slug, siren=plan.siren, siret=plan.siret,
            region=plan.region, address=plan.address, postal_code=plan.postal_code, city=plan.city,
            kind=plan.kind, sector=plan.sector, contribution_rate=plan.contribution_rate,
            acting_user=SystemActor("bench"), **extra,
        )
        connection.set_schema_to_public()
        return coop

    replay = ReplayedSpares() if args.filler == "replay" else None
    fill_seconds = 0.0
    filled = 0

    def fill_to(count: int) -> None:
        nonlocal fill_seconds, filled
        started = time.perf_counter()
        while Cooperative.objects.count() < count:
            if replay is not None and pool_size() == 0:
                replay.make()
            elif replay is None:
                pool_refill(size=1)
            coop = create()
            assert coop.provisioned_by == "spare"
            filled += 1
        fill_seconds += time.perf_counter() - started

    points = []
    print(f"Provisioning bench: N = {', '.join(map(str, sizes))}, {around} creations per method around each N"
          f" (filler: {args.filler})", flush=True)
    for n in sizes:
        # Creations N-around+1 .. N+around, alternating: ours on the odd offsets, migrations on the even.
        fill_to(n - around)
        started = time.perf_counter()
        made = pool_refill(size=around)
        refill_seconds = time.perf_counter() - started
        samples = {"spare_pool": [], "migrations": []}
        ns = {"spare_pool": [], "migrations": []}
        for i in range(2 * around):
            method = "spare_pool" if i % 2 == 0 else "migrations"
            started = time.perf_counter()
            coop = create(by_migrations=(method == "migrations"))
            elapsed = time.perf_counter() - started
            if method == "spare_pool":
                assert coop.provisioned_by == "spare", "the pool ran dry during a timed creation"
            samples[method].append(round(elapsed, 5))
            ns[method].append(Cooperative.objects.count())
        point = {
            "n": n,
            "spare_pool": {"median_s": round(benchlib.median(samples["spare_pool"]), 5),
                           "samples_s": samples["spare_pool"], "nth": ns["spare_pool"]},
            "migrations": {"median_s": round(benchlib.median(samples["migrations"]), 5),
                           "samples_s": samples["migrations"], "nth": ns["migrations"]},
            "spare_build_s_per_spare": round(refill_seconds / made, 4) if made else None,
        }
        point["ratio_migrations_over_ours"] = round(point["migrations"]["median_s"] / point["spare_pool"]["median_s"], 1)
        points.append(point)
        print(f"  N={n:>5}: ours {point['spare_pool']['median_s'] * 1000:8.1f} ms   migrations "
              f"{point['migrations']['median_s'] * 1000:8.1f} ms   ×{point['ratio_migrations_over_ours']}"
              f"   (spare built in background: {point['spare_build_s_per_spare']} s)", flush=True)

    first, final = points[0], points[-1]
    growth = {
        method: round(final[method]["median_s"] / first[method]["median_s"], 2) for method in ("spare_pool", "migrations")
    }
    at_100 = next((p for p in points if p["n"] == 100), None)
    result = {
        "name": "provisioning",
        "date": benchlib.now_iso(),
        "what": "seconds to create the Nth CAE (cooperative_create end to end), median of the creations around N",
        "methods": {
            "spare_pool": "ours: rename a spare schema from the pool (spares built beforehand by pool_refill)",
            "migrations": "baseline: django-tenants migrate-per-tenant (cooperative_create(by_migrations=True))",
        },
        "sizes": sizes,
        "creations_per_method_per_point": around,
        "cooperatives_created": Cooperative.objects.count(),
        "points": points,
        "medians_s": {method: {str(p["n"]): p[method]["median_s"] for p in points} for method in ("spare_pool", "migrations")},
        "ratio_migrations_over_ours": {str(p["n"]): p["ratio_migrations_over_ours"] for p in points},
        "growth": growth,
        "growth_definition": f"median at N={final['n']} / median at N={first['n']}"
                             f" (linear growth would be {final['n'] / first['n']:g})",
        "spare_build_s_per_spare": {str(p["n"]): p["spare_build_s_per_spare"] for p in points},
        "filler": {
            "method": args.filler,
            "cooperatives": filled,
            "seconds": round(fill_seconds, 1),
            "replayed_statements": len(replay.statements) if replay else None,
            "replayed_spare_catalog_equals_migrated": bool(replay and replay.checked) if replay else None,
        },
        "targets": {
            "ours_at_100_le_0.2s": at_100 is not None and at_100["spare_pool"]["median_s"] <= 0.2,
            "ratio_ge_5_at_every_n": all(p["ratio_migrations_over_ours"] >= 5 for p in points),
            "growth_no_worse_than_linear": growth["spare_pool"] <= final["n"] / first["n"],
        },
        "peak_memory_mb": benchlib.peak_memory_mb(),
        "postgres": benchlib.postgres_version(),
        **benchlib.machine(),
        "load_average_at_start": load_start,
        "total_seconds": round(time.perf_counter() - total_started, 1),
    }
    path = benchlib.write_result(args.output, result)

    print()
    print(f"{'N':>6} | {'ours (pool)':>12} | {'migrations':>12} | {'ratio':>6} | {'spare build':>11}")
    print(f"{'-' * 6}-+-{'-' * 12}-+-{'-' * 12}-+-{'-' * 6}-+-{'-' * 11}")
    for p in points:
        print(f"{p['n']:>6} | {p['spare_pool']['median_s'] * 1000:>9.1f} ms | {p['migrations']['median_s'] * 1000:>9.1f} ms"
              f" | {p['ratio_migrations_over_ours']:>5}× | {p['spare_build_s_per_spare']:>9.3f} s")
    print(f"growth {final['n']}/{first['n']}: ours ×{growth['spare_pool']}, migrations ×{growth['migrations']}"
          f" (linear would be ×{final['n'] / first['n']:g})")
    print(f"targets: {result['targets']}")
    print(f"peak memory {result['peak_memory_mb']} MB, PostgreSQL {result['postgres']}, {result['cpu_count']} CPU,"
          f" filler {filled} CAEs in {fill_seconds:.0f} s, total {result['total_seconds']} s → {path.relative_to(ROOT)}")

    connection.close()
    if not args.keep:
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
