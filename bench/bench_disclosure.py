"""Disclosure control of the national table set for one year, on a synthetic network shaped like
the 1,000-CAE × 100-entrepreneur demo: primary rules, optimal secondary suppression and audit
(outsider, every CAE insider, every cell's largest person) vs the "suppress the smallest
complementary cell" heuristic on the same tables, same run. Target (issue 6): protection + audit
≤ 10 s, and less suppressed value or fewer suppressed cells than the heuristic.

Two sets of tables:
- "optimal"/"heuristic": seven hand-built national tables (the engine alone);
- "release_tables": the tables a release of a year really publishes, built the way
  `release_create` builds them (`consolidation.build_from_rows`, from contribution rows in the
  format the collection stores) from a synthetic network of the 13 metropolitan regions (their
  real departments) × the 10 A10 sectors, national (1,000 CAEs) and sparse (150 small CAEs);
  protection + audit, then the publication's re-audit of the stored pattern (`audit_tables`).

No database (Django is set up for the models' labels only):
`.venv/bin/python bench/bench_disclosure.py [--caes 1000] [--people 100] [--limit 120]`; each linked
group of the release tables runs in a child process stopped after `--limit` seconds (reported).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal

import benchlib

REGIONS = {  # code: departments (a mainland-France-like spread, 96 departments)
    "11": 8, "24": 6, "27": 8, "28": 5, "32": 5, "44": 10, "52": 5, "53": 4, "75": 12, "76": 13,
    "84": 12, "93": 6, "94": 2,
}
REGION_WEIGHT = {"11": 18, "24": 4, "27": 4, "28": 5, "32": 8, "44": 8, "52": 6, "53": 6, "75": 10,
                 "76": 11, "84": 13, "93": 8, "94": 0.6}
SECTORS = ["services", "conseil", "artisanat", "batiment", "numerique", "culture", "commerce",
           "agriculture", "sante", "transport"]
SECTOR_WEIGHT = [28, 18, 14, 10, 9, 8, 6, 4, 2, 1]
GENDERS = ["F", "M", "X"]
GENDER_WEIGHT = [55, 44.5, 0.5]
OUTCOMES = ["emploi_salarie", "creation_entreprise", "reste_associe", "formation", "chomage", "retraite"]
OUTCOME_WEIGHT = [30, 35, 10, 8, 16, 1]
YEARS = ["2024", "2025", "2026"]
SPARSE_CAES, SPARSE_PEOPLE = 150, 30


def synthetic_network(caes: int, people: int, seed: int = 2026):
    """Per person: CAE, department, region, sector, gender, revenue, FTE; per exit: outcome, year."""
    rng = random.Random(seed)
    departments = {r: [f"D{r}{k:02d}" for k in range(n)] for r, n in REGIONS.items()}
    regions = list(REGIONS)
    rows, exits = [], []
    for c in range(caes):
        cae = f"cae{c:04d}"
        region = rng.choices(regions, [REGION_WEIGHT[r] for r in regions])[0]
        dept = rng.choice(departments[region])
        size = max(3, int(rng.lognormvariate(0, 0.6) * people))
        specialist = rng.random() < 0.15
        home_sector = rng.choices(SECTORS, SECTOR_WEIGHT)[0]
        for _ in range(size):
            sector = home_sector if specialist and rng.random() < 0.8 else rng.choices(SECTORS, SECTOR_WEIGHT)[0]
            revenue = Decimal(int(rng.lognormvariate(9.8, 1.0)))  # median ≈ 18 k€
            if rng.random() < 0.001:
                revenue *= 40  # a few very large activities (p%-rule)
            fte = Decimal(rng.choice([25, 50, 75, 100])) / 100
            rows.append((cae, region, dept, sector, rng.choices(GENDERS, GENDER_WEIGHT)[0], revenue, fte))
        for _ in range(size // 5):
            exits.append((cae, rng.choices(OUTCOMES, OUTCOME_WEIGHT)[0], rng.choice(YEARS)))
    return departments, rows, exits


def contributions(items):
    """(coords, cae, amount) → {coords: [Contribution]}: what each CAE's aggregate would report."""
    from network.stats import Contribution

    acc: dict = defaultdict(lambda: defaultdict(list))
    for coords, cae, amount in items:
        acc[coords][cae].append(amount)
    out = {}
    for coords, by_cae in acc.items():
        cell = []
        for cae, amounts in sorted(by_cae.items()):
            top = sorted(amounts, reverse=True)[:2] + [Decimal(0), Decimal(0)]
            cell.append(Contribution(cae, sum(amounts, Decimal(0)), len(amounts), top[0], top[1]))
        out[coords] = cell
    return out


def national_tables(departments, rows, exits):
    from network.stats import Dimension, Kind, build_table

    region = Dimension("region", tuple(departments))
    sector = Dimension("sector", tuple(SECTORS))
    dept = Dimension("department", tuple(d for ds in departments.values() for d in ds),
                     groups={d: r for r, ds in departments.items() for d in ds}, group_name="region")
    gender = Dimension("gender", tuple(GENDERS))
    outcome = Dimension("outcome", tuple(OUTCOMES))
    year = Dimension("year", tuple(YEARS))
    one = Decimal(1)
    tables = [
        build_table(name="revenue_region_sector", measure="revenue@2026", kind=Kind.MAGNITUDE,
                    dimensions=(region, sector), min_protection=Decimal(1000),
                    contributions=contributions(((r[1], r[3]), r[0], r[5]) for r in rows)),
        build_table(name="revenue_department", measure="revenue@2026", kind=Kind.MAGNITUDE,
                    dimensions=(dept,), min_protection=Decimal(1000),
                    contributions=contributions(((r[2],), r[0], r[5]) for r in rows)),
        build_table(name="fte_region_sector", measure="fte@2026", kind=Kind.MAGNITUDE,
                    dimensions=(region, sector), min_protection=Decimal(1),
                    contributions=contributions(((r[1], r[3]), r[0], r[6]) for r in rows)),
        build_table(name="entrepreneurs_region_sector", measure="entrepreneurs@2026", kind=Kind.COUNT,
                    dimensions=(region, sector),
                    contributions=contributions(((r[1], r[3]), r[0], one) for r in rows)),
        build_table(name="entrepreneurs_department", measure="entrepreneurs@2026", kind=Kind.COUNT,
                    dimensions=(dept,), contributions=contributions(((r[2],), r[0], one) for r in rows)),
        build_table(name="entrepreneurs_sector_gender", measure="entrepreneurs@2026", kind=Kind.COUNT,
                    dimensions=(sector, gender),
                    contributions=contributions(((r[3], r[4]), r[0], one) for r in rows)),
        build_table(name="exits_outcome_year", measure="exits", kind=Kind.COUNT, dimensions=(outcome, year),
                    contributions=contributions(((e[1], e[2]), e[0], one) for e in exits)),
    ]
    return tables


# -- the tables a release publishes, from contribution rows as collected ---------------------------

NAF_OF_SECTOR = {"AZ": "01", "BE": "25", "FZ": "43", "GI": "47", "JZ": "62", "KZ": "66", "LZ": "68", "MN": "70",
                 "OQ": "85", "RU": "96"}
A10_WEIGHT = [2, 6, 12, 10, 14, 1, 1, 30, 12, 12]
STAGE_WEIGHT = {"candidate": 4, "info_session": 6, "follow_up": 18, "cape": 22, "cesa": 30, "associate": 10,
                "exited": 10}
SITUATION_WEIGHT = {"job_seeker": 55, "minimum_income": 12, "employee": 15, "student": 3, "civil_servant": 2,
                    "other": 13}
OUTCOME_WEIGHT_RELEASE = {"own_company": 30, "previous_situation": 15, "found_job": 35, "training": 8, "other": 12}


def contribution_rows(caes: int, people: int, *, period: str = "2026", seed: int = 2026):
    """(cooperative id, period, source, cells, hash) for every CAE, as `collection.gather` would
    store them, and each CAE's kind."""
    from network.stats.catalog import DEPARTMENT_REGION, OVERSEAS, SECTORS
    from network.stats.collection import content_hash

    rng = random.Random(seed)
    departments: dict[str, list[str]] = defaultdict(list)
    for dept, region in DEPARTMENT_REGION.items():
        if region != OVERSEAS:
            departments[region].append(dept)
    regions = sorted(departments)
    weights = [REGION_WEIGHT[r] for r in regions]
    kinds, rows = {}, []
    stages, situations = list(STAGE_WEIGHT), list(SITUATION_WEIGHT)
    for coop_id in range(1, caes + 1):
        region = rng.choices(regions, weights)[0]
        home = rng.choice(departments[region])
        sites = [home] + [rng.choice(departments[region]) for _ in range(rng.choice([0, 0, 1, 2]))]
        kind = "sector" if rng.random() < 0.15 else "regional"
        kinds[coop_id] = kind
        home_sector = rng.choices(SECTORS, A10_WEIGHT)[0]
        size = max(3, int(rng.lognormvariate(0, 0.6) * people))
        entrepreneurs, exits = defaultdict(int), defaultdict(int)
        money = {"fte": defaultdict(list), "revenue": defaultdict(list)}
        for _ in range(size):
            sector = home_sector if kind == "sector" and rng.random() < 0.8 else rng.choices(SECTORS, A10_WEIGHT)[0]
            naf, dept = NAF_OF_SECTOR[sector], rng.choice(sites)
            stage = rng.choices(stages, list(STAGE_WEIGHT.values()))[0]
            gender = rng.choices(GENDERS, GENDER_WEIGHT)[0]
            situation = rng.choices(situations, list(SITUATION_WEIGHT.values()))[0]
            entrepreneurs[(stage, naf, gender, dept, situation)] += 1
            if stage in ("cape", "cesa", "associate", "exited") and rng.random() < 0.9:
                revenue = Decimal(int(rng.lognormvariate(9.8, 1.0)))
                if rng.random() < 0.001:
                    revenue *= 40
                money["revenue"][(naf, dept)].append(revenue)
            if stage in ("cesa", "associate"):
                money["fte"][(naf, dept)].append(Decimal(rng.choice([25, 50, 75, 100])) / 100)
            if stage == "exited":
                exits[(rng.choices(list(OUTCOME_WEIGHT_RELEASE), list(OUTCOME_WEIGHT_RELEASE.values()))[0],
                       naf, dept)] += 1
        sources = {
            "entrepreneurs": sorted([*k, n] for k, n in entrepreneurs.items()),
            "exits": sorted([*k, n] for k, n in exits.items()),
            "sites": [[len(set(sites))]],
        }
        for source, cells in money.items():
            out = []
            for (naf, dept), amounts in cells.items():
                top = sorted(amounts, reverse=True) + [Decimal(0), Decimal(0)]
                out.append([naf, dept, len(amounts), str(sum(amounts)), str(top[0]),
                            str(top[1] if len(amounts) > 1 else Decimal(0))])
            sources[source] = sorted(out)
        held = rng.choice([0, 2, 6, 12, 24])
        sources["workshops"] = [[held]]
        if held:
            attendance = [rng.randint(1, held) for _ in range(max(1, size // 3))]
            top = sorted(attendance, reverse=True) + [0, 0]
            sources["attendance"] = [[len(attendance), str(sum(attendance)), str(top[0]),
                                      str(top[1] if len(attendance) > 1 else 0)]]
        else:
            sources["attendance"] = [[0, "0", "0", "0"]]
        for source, cells in sorted(sources.items()):
            rows.append((coop_id, period, source, cells, content_hash(cells)))
    return kinds, rows


def _release_built(caes: int, people: int, seed: int):
    from network.stats.consolidation import build_from_rows
    from tenants.people import stats as people_stats

    kinds, rows = contribution_rows(caes, people, seed=seed)
    started = time.perf_counter()
    built = build_from_rows("2026", rows, cooperative_kinds=kinds, labels=people_stats.labels())
    people_total = sum(n for _, _, source, cells, _ in rows if source == "entrepreneurs" for *_, n in cells)
    return built, people_total, time.perf_counter() - started


def _release_group(caes: int, people: int, seed: int, index: int, out) -> None:
    """In a child process: one linked group of a release's tables, heuristic then optimal (with
    the publication's re-audit of the optimal pattern), each summary sent as soon as it is ready."""
    import django

    django.setup()
    from network.stats import audit_tables, protect_tables
    from network.stats.model import components

    built, _, _ = _release_built(caes, people, seed)
    group = components(built.tables)[index]
    out.put(("heuristic", summary(protect_tables(group, method="heuristic"))))
    result = protect_tables(group)
    optimal = summary(result)
    suppressed = {t.name: {coords for coords, c in t.cells.items() if c.suppressed} for t in result.tables}
    started = time.perf_counter()
    reports = audit_tables(group, suppressed)
    optimal["publication_reaudit_s"] = round(time.perf_counter() - started, 3)
    optimal["publication_reaudit_ok"] = all(r.ok for r in reports)
    out.put(("optimal", optimal))


def release_tables_bench(caes: int, people: int, seed: int, limit_s: float) -> dict:
    """Every linked group of a year's release tables, each in a child process given `limit_s`
    seconds (optimal and heuristic), on contribution rows as the collection stores them."""
    import multiprocessing

    from network.stats.model import Problem, components
    from network.stats.rules import DisclosureSettings

    built, people_total, build_s = _release_built(caes, people, seed)
    groups = components(built.tables)
    # Spawned, not forked: a fork would inherit HiGHS's thread pool without its threads.
    context = multiprocessing.get_context("spawn")
    out_groups = []
    for index, group in enumerate(groups):
        problem = Problem(group, DisclosureSettings())
        row = {"tables": [t.name for t in group], "cells": problem.n, "sensitive_cells": int(problem.primary.sum())}
        queue = context.Queue()
        child = context.Process(target=_release_group, args=(caes, people, seed, index, queue))
        started = time.perf_counter()
        child.start()
        while len(row) < 5:
            remaining = limit_s - (time.perf_counter() - started)
            try:
                method, result = queue.get(timeout=max(0.1, remaining))
            except Exception:  # noqa: BLE001 - queue.Empty: the limit is reached
                break
            row[method] = result
        if child.is_alive():
            child.terminate()
        child.join()
        row.setdefault("heuristic", {"finished": False})
        row.setdefault("optimal", {"finished": False, "limit_s": limit_s,
                                   "note": f"did not finish within {limit_s:.0f} s (process stopped)"})
        out_groups.append(row)
        print(f"  {caes} CAEs, group {index + 1}/{len(groups)} ({row['cells']} cells, "
              f"{row['sensitive_cells']} sensitive): optimal {row['optimal'].get('seconds', 'timeout')} s, "
              f"heuristic {row['heuristic'].get('seconds')} s", file=sys.stderr, flush=True)
    done = [g for g in out_groups if "seconds" in g["optimal"]]
    total = {
        "groups": len(out_groups), "groups_finished": len(done),
        "cells": sum(g["cells"] for g in out_groups),
        "sensitive_cells": sum(g["sensitive_cells"] for g in out_groups),
    }
    for method in ("optimal", "heuristic"):
        finished = [g[method] for g in out_groups if "seconds" in g[method] and "seconds" in g["optimal"]]
        total[method] = {
            "seconds_finished_groups": round(sum(f["seconds"] for f in finished), 3),
            "suppressed_cells_finished_groups": sum(f["suppressed_cells"] for f in finished),
            "audit_ok_finished_groups": all(f["audit_ok"] for f in finished),
            "audit_failures_finished_groups": sum(f["audit_failures"] for f in finished),
        }
    return {"caes": caes, "people": people_total, "build_tables_s": round(build_s, 3),
            "limit_per_group_s": limit_s, "total": total, "groups": out_groups}


def summary(result) -> dict:
    audit_failures = [f for c in result.components for f in c.audit.failures]
    return {
        "seconds": round(result.seconds, 3),
        "cells": sum(c.problem.n for c in result.components),
        "primary_cells": sum(int(c.problem.primary.sum()) for c in result.components),
        "suppressed_cells": result.suppressed_cells(),
        "suppressed_value_by_measure": {
            c.problem.keys[0][0]: float(sum(v for v, s in zip(c.problem.value_dec, c.pattern.suppressed, strict=True)
                                           if s)) for c in result.components},
        "secondary_cells": sum(int((c.pattern.suppressed & ~c.problem.primary).sum()) for c in result.components),
        "audit_ok": result.ok,
        "audit_failures": len(audit_failures),
        "audit_failures_outsider": sum(1 for f in audit_failures if f.attacker == "outsider"),
        "lp_solves_final_audit": sum(c.audit.lp_solves for c in result.components),
        "insider_rounds_final_audit": sum(c.audit.insider_rounds for c in result.components),
        "iterations": sum(c.pattern.iterations for c in result.components),
        "cuts": sum(c.pattern.cuts for c in result.components),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--caes", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--limit", type=float, default=120.0,
                        help="seconds given to each linked group of the release tables (default 120)")
    args = parser.parse_args()

    import django

    django.setup()  # models' labels only: no database is touched
    from network.stats import protect_tables

    started = time.perf_counter()
    departments, rows, exits = synthetic_network(args.caes, args.people)
    tables = national_tables(departments, rows, exits)
    build_s = time.perf_counter() - started

    runs = []
    for _ in range(3):
        result = protect_tables(tables)
        runs.append(result.seconds)
    optimal = summary(result)
    optimal["seconds_median_of_3"] = round(benchlib.median(runs), 3)
    heuristic = summary(protect_tables(tables, method="heuristic"))

    # The 13 × 10 region × sector table alone, on a sparse network where a few dozen cells are
    # sensitive (the national one has few): the size the issue asks to protect well under 1 s.
    s_departments, s_rows, s_exits = synthetic_network(SPARSE_CAES, SPARSE_PEOPLE, seed=7)
    sparse = [t for t in national_tables(s_departments, s_rows, s_exits) if t.name == "revenue_region_sector"]
    sparse_runs = [protect_tables(sparse) for _ in range(3)]
    sparse_opt = summary(sparse_runs[-1])
    sparse_opt["seconds_median_of_3"] = round(benchlib.median([r.seconds for r in sparse_runs]), 3)
    sparse_heur = summary(protect_tables(sparse, method="heuristic"))

    release_national = release_tables_bench(args.caes, args.people, seed=2026, limit_s=args.limit)
    release_sparse = release_tables_bench(SPARSE_CAES, SPARSE_PEOPLE, seed=7, limit_s=args.limit)

    payload = {
        "name": "disclosure",
        "date": benchlib.now_iso(),
        "what": "protection (primary rules, optimal secondary suppression with HiGHS) + audit with every "
                "insider round of the national table set for one year, vs the smallest-complementary-cell "
                "heuristic (audited the same way)",
        "target": "<= 10 s; fewer suppressed cells or less suppressed value than the heuristic",
        "network": {"caes": args.caes, "people": len(rows), "exits": len(exits), "tables": len(tables),
                    "build_tables_s": round(build_s, 2)},
        "optimal": optimal,
        "heuristic": heuristic,
        "region_sector_sparse": {"caes": SPARSE_CAES, "people": len(s_rows), "optimal": sparse_opt, "heuristic": sparse_heur},
        "release_tables": {
            "what": "every table of a year's release (13 regions × 10 sectors and the others), built by "
                    "consolidation.build_from_rows from contribution rows as collected; protection + audit "
                    "(every insider round), the publication's re-audit, and the heuristic on the same tables",
            "national": release_national,
            "sparse": release_sparse,
        },
        "peak_memory_mb": benchlib.peak_memory_mb(),
        **benchlib.machine(),
    }
    import json

    print(json.dumps(payload, indent=2))
    if not args.no_write:
        print(benchlib.write_result("disclosure", payload), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
