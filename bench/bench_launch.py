"""Launch of a new CAE from its setup project: provision + templates + sites + founders as directors.

Timed, alternating in the same process and database:
  launch       project_launch(...)      the whole action network staff click (one transaction)
  provision    cooperative_create(...)  the foundation's provisioning alone (baseline: what a
                                        launch costs on top of creating the tenant)
Both take a spare schema from the pool, built beforehand by the real `pool_refill` (what Celery
beat runs) and reported outside the timings. One more launch with an empty pool shows the
fallback (migrations replayed synchronously).

Each project has two founders, a head office and two other sites, and the network has one
« install at launch » template (a workshop catalogue, accounts, a journal and a contribution
rate).

    python bench/bench_launch.py [--runs 5] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import benchlib

from essaim.audit.actors import SystemActor

ROOT = benchlib.ROOT
TARGET_S = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed launches (and as many baseline creations).")
    parser.add_argument("--keep", action="store_true", help="Keep the essaim_bench database afterwards.")
    return parser.parse_args()


def _template() -> bool:
    from network.resources.models import Resource

    Resource.objects.create(
        title="Modèles de lancement du réseau", kind="template", theme="setup", audience="staff",
        summary="Ce que reçoit une CAE qui ouvre.", state="published", visibility="public", install_at_launch=True,
        payload={
            "workshops": [{"key": f"atelier-{i}", "title": f"Atelier de démarrage {i}", "theme": "management",
                           "duration_minutes": 180, "capacity": 12} for i in range(12)],
            "accounts": [{"number": f"7061{i:02d}", "label": f"Prestations {i}"} for i in range(10)],
            "journals": [{"code": "OD", "label": "Opérations diverses"}],
            "contribution_rate": {"rate": "11.50"},
        })
    return True


def main() -> int:
    args = parse_args()
    started_all = time.perf_counter()
    load_start = benchlib.machine()["load_average"]
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    benchlib.django_setup()

    from django.core import mail
    from django.db import connection

    from essaim.accounts.models import User
    from essaim.cooperatives.models import Cooperative
    from essaim.cooperatives.provisioning import pool_refill
    from essaim.cooperatives.services import cooperative_create
    from network.onboarding.launch import project_launch
    from network.onboarding.models import ProjectMember, Task
    from network.onboarding.services import project_update, setup_project_create
    from network.onboarding.stages import StageKey
    from tests.factories import siren_from, siret_from

    staff = User.objects.create_user("reseau@bench.essaim", "bench-password-2026", network_role="network_staff")
    with_template = _template()
    counter = iter(range(1, 10_000))

    def ready_project():
        n = next(counter)
        project = setup_project_create(name=f"CAE Banc {n}", region="44", departments="08, 51",
                                       expected_entrepreneurs=40, acting_user=staff)
        for who in ("fondatrice", "fondateur"):
            user = User.objects.create_user(f"{who}.{n}@bench.essaim", None)
            ProjectMember.objects.create(project=project, user=user, role=ProjectMember.Role.FOUNDER)
        siren = siren_from(30_000_000 + n)
        project_update(project=project, section="legal", acting_user=staff, data={
            "legal_form": "scop", "legal_name": f"CAE Banc {n} SCOP", "siren": siren, "siret": siret_from(siren),
            "slug": f"banc-{n}"})
        project_update(project=project, section="logistics", acting_user=staff, data={
            "address": "1 place Ducale", "postal_code": "08000", "city": "Charleville-Mézières",
            "other_sites": "Sedan ; 08200 ; antenne\nReims ; 51100 ; permanence"})
        Task.objects.filter(project=project).exclude(stage=StageKey.FIRST_ENTREPRENEURS).update(status="done")
        return project

    def baseline_create():
        n = next(counter)
        siren = siren_from(40_000_000 + n)
        cooperative_create(name=f"CAE Témoin {n}", legal_name=f"CAE Témoin {n} SCOP", slug=f"temoin-{n}",
                           siren=siren, siret=siret_from(siren), region="44", address="1 place Ducale",
                           postal_code="08000", city="Charleville-Mézières", acting_user=SystemActor("bench"))
        connection.set_schema_to_public()

    refill_started = time.perf_counter()
    made = pool_refill(size=2 * args.runs)
    spare_build = (time.perf_counter() - refill_started) / max(1, made)
    print(f"Launch bench: {args.runs} launches vs {args.runs} bare provisionings, template: {with_template}"
          f" ({made} spares built, {spare_build:.2f} s each)", flush=True)

    samples = {"launch": [], "provision": []}
    for _ in range(args.runs):
        project = ready_project()
        t0 = time.perf_counter()
        cooperative = project_launch(project=project, acting_user=staff, site_root="http://localhost:8000")
        samples["launch"].append(round(time.perf_counter() - t0, 5))
        assert cooperative is not None and project.cooperative_id == cooperative.pk
        t0 = time.perf_counter()
        baseline_create()
        samples["provision"].append(round(time.perf_counter() - t0, 5))
    assert len(mail.outbox) == 2 * args.runs, "every founder is e-mailed once"

    project = ready_project()  # the pool is empty now: the fallback replays the migrations
    t0 = time.perf_counter()
    project_launch(project=project, acting_user=staff)
    cold = round(time.perf_counter() - t0, 4)

    medians = {k: round(benchlib.median(v), 5) for k, v in samples.items()}
    result = {
        "name": "launch",
        "date": benchlib.now_iso(),
        "what": "seconds for project_launch (provision + templates + sites + founders as directors, one "
                "transaction), median; baseline: cooperative_create alone",
        "runs": args.runs,
        "founders_per_project": 2,
        "sites_per_project": 3,
        "template_installed": with_template,
        "medians_s": medians,
        "samples_s": samples,
        "launch_over_provision": round(medians["launch"] / medians["provision"], 1),
        "launch_with_empty_pool_s": cold,
        "spare_build_s_per_spare": round(spare_build, 3),
        "cooperatives_created": Cooperative.objects.count(),
        "targets": {f"launch_le_{TARGET_S:g}s": medians["launch"] <= TARGET_S,
                    f"launch_with_empty_pool_le_{TARGET_S:g}s": cold <= TARGET_S},
        "peak_memory_mb": benchlib.peak_memory_mb(),
        "postgres": benchlib.postgres_version(),
        **benchlib.machine(),
        "load_average_at_start": load_start,
        "total_seconds": round(time.perf_counter() - started_all, 1),
    }
    path = benchlib.write_result("launch", result)
    print(f"  launch    median {medians['launch'] * 1000:8.1f} ms   samples {samples['launch']}")
    print(f"  provision median {medians['provision'] * 1000:8.1f} ms   samples {samples['provision']}")
    print(f"  launch with an empty pool (migrations): {cold:.2f} s")
    print(f"targets: {result['targets']}; peak memory {result['peak_memory_mb']} MB → {path.relative_to(ROOT)}")
    connection.close()
    if not args.keep:
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
