"""Library search with 50,000 resources (public schema): server time and query count.

Measures the library page (`/ressources/?q=…`, Django test client, full middleware stack, a
signed-in CAE director: visibility public + network + named) for several French queries —
frequent and rare words, accents omitted, a facet filter, a later page, no query — at 5,000 and
at 50,000 resources in the same run: the query count must not depend on the number of rows.
Baseline: what one would otherwise write, an accent-sensitive `icontains` on title and summary
with a count and a page of 20 (no ranking, no facets, no excerpts).
Target (issue 7): median ≤ 50 ms, query count constant.
"""

from __future__ import annotations

import os
import random
import sys
import time

import benchlib

REPEAT = 25
PAGE_SIZE = 20
QUERIES = [
    ("frequent", {"q": "cooperatives"}),
    ("two_words", {"q": "contrat cesa"}),
    ("phrase", {"q": "convention de partenariat"}),
    ("accents_omitted", {"q": "decennale"}),
    ("rare", {"q": "webinaire ardennes"}),
    ("filtered", {"q": "atelier", "kind": "workshop"}),
    ("page_5", {"q": "guide", "page": "5"}),
    ("browse", {}),
]

SUBJECTS = ["Guide de l'accompagnement", "Modèle de contrat CAPE", "Modèle de contrat CESA", "Convention de partenariat",
            "Support d'atelier", "Présentation partagée du parcours", "Rapport annuel", "Fiche pratique",
            "Charte d'accueil", "Vidéo témoignage", "Étude d'opportunité", "Statuts types", "Grille d'entretien",
            "Avenant au CESA", "Compte d'activité", "Règlement intérieur", "Webinaire", "Synthèse de la rencontre"]
TOPICS = ["de la coopérative", "des entrepreneur·es salarié·es", "pour les collectivités", "en services à la personne",
          "dans le bâtiment", "pour les porteurs de projet", "de la CAE régionale", "en éco-construction",
          "et sociétariat", "pour la CRESS", "avec France Travail", "de l'antenne des Ardennes", "et assurances",
          "du réseau", "pour une nouvelle CAE", "et trésorerie", "pour l'assemblée générale", "et numérique"]
WORDS = ["accompagnement", "coopérative", "activité", "emploi", "entrepreneur", "salarié", "associé", "contrat", "convention", "partenariat", "territoire", "collectivité", "atelier", "formation", "gestion", "trésorerie", "facture", "devis", "contribution", "parcours", "réunion", "information", "collective", "prescripteur", "insertion", "création", "entreprise", "économie", "sociale", "solidaire", "gouvernance", "assemblée", "sociétariat", "mutualisation", "assurance", "décennale", "chantier", "éco-construction", "agriculture", "culture", "numérique", "services", "personne", "agrément", "financement", "subvention", "banque", "territoires", "étude", "opportunité", "essaimage", "mentorat", "démarrage", "statut", "SCOP", "SCIC", "égalité", "femmes", "sortie", "immatriculation", "compétences", "réseau", "bilan"]


def timed(fn, repeat=REPEAT):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return benchlib.median(samples)


def populate(total: int, cooperatives, start: int, rng: random.Random) -> int:
    """Bulk rows: published, mixed kinds/themes/audiences/visibility; named ones to two CAEs."""
    from django.utils import timezone

    from network.resources.models import FACETS, Resource

    kinds, themes = list(FACETS["kind"].values), list(FACETS["theme"].values)
    sectors, audiences = list(FACETS["sector"].values), list(FACETS["audience"].values)
    now = timezone.now()
    rows = []
    for i in range(start, start + total):
        words = rng.sample(WORDS, 18)
        visibility = rng.choices(["public", "network", "named"], weights=[6, 3, 1])[0]
        rows.append(Resource(
            title=f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)} n° {i}", kind=rng.choice(kinds),
            theme=rng.choice(themes), sector=rng.choice(sectors), audience=rng.choice(audiences),
            language=rng.choices(["fr", "en", "es"], weights=[90, 8, 2])[0],
            summary=" ".join(words[:12]).capitalize() + ".", body=" ".join(words[12:]),
            state="published", visibility=visibility, published_at=now, author_cooperative=rng.choice(cooperatives)))
    made = Resource.objects.bulk_create(rows, batch_size=2000)
    through = Resource.named_cooperatives.through
    through.objects.bulk_create([through(resource_id=r.pk, cooperative_id=c.pk) for r in made if r.visibility == "named"
                                 for c in rng.sample(cooperatives, 2)], batch_size=5000)
    return len(made)


def measure(client, params):
    from django.db import connection

    response = client.get("/ressources/", params)
    assert response.status_code == 200, (params, response.status_code)
    executed = []

    def count(execute, sql, args, many, context):
        executed.append(sql)
        return execute(sql, args, many, context)

    with connection.execute_wrapper(count):
        client.get("/ressources/", params)
    return {"median_ms": round(timed(lambda: client.get("/ressources/", params)) * 1000, 1), "queries": len(executed)}


def main() -> int:
    name = os.environ.get("ESSAIM_BENCH_DB", benchlib.BENCH_DATABASE)  # a separate database for parallel runs
    if name != benchlib.BENCH_DATABASE:
        from django.conf import settings

        benchlib.BENCH_DATABASE = name
        settings.DATABASES["default"]["NAME"] = name
    benchlib.django_setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import setup_test_environment

    from essaim.accounts.models import Membership, User
    from essaim.cooperatives.models import Cooperative
    from network.resources.access import viewer_for
    from network.resources.models import Resource
    from network.resources.selectors import library_search
    from tests.factories import siren_from, siret_from

    setup_test_environment()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rng = random.Random(2026)
    cooperatives = []
    for i in range(8):  # registry rows only: the library lives in the public schema
        siren = siren_from(77700000 + i)
        cooperatives.append(Cooperative.objects.create(
            name=f"CAE {i}", legal_name=f"CAE {i} SCOP", slug=f"cae-{i}", schema_name=f"cae_bench_{i}", siren=siren,
            siret=siret_from(siren), region="44", address="1 rue", postal_code="51100", city="Reims"))
    director = User.objects.create_user("direction@bench.demo", "motdepasse-bench-2026")
    Membership.objects.create(user=director, cooperative=cooperatives[0], role="director")
    client = Client(HTTP_HOST="localhost")
    assert client.post("/connexion/", {"username": director.email, "password": "motdepasse-bench-2026"}).status_code == 302
    results, made = {}, 0
    for label, size in (("small", 5_000), ("large", 50_000)):
        made += populate(size - made, cooperatives, made, rng)
        with connection.cursor() as cursor:
            # As autovacuum would after a bulk load: statistics and the visibility map (index-only scans).
            cursor.execute("VACUUM ANALYZE resources_resource")
            cursor.execute("VACUUM ANALYZE resources_resource_named_cooperatives")
        viewer = viewer_for(director)
        per_query = {}
        for key, params in QUERIES:
            measured = measure(client, params)
            measured["matches"] = library_search(viewer=viewer, query=params.get("q", ""),
                                                 filters={k: v for k, v in params.items() if k == "kind"}).total
            per_query[key] = measured

        def baseline(q="cooperatives"):
            qs = Resource.objects.filter(Q(title__icontains=q) | Q(summary__icontains=q), state="published")
            qs.count()
            list(qs.order_by("-id").values("id", "title", "summary")[:PAGE_SIZE])

        results[label] = {
            "resources": size, "queries": per_query,
            "median_ms": benchlib.median([m["median_ms"] for m in per_query.values()]),
            "max_ms": max(m["median_ms"] for m in per_query.values()),
            "baseline_icontains_ms": round(timed(baseline) * 1000, 1),
        }
        print(f"{size:>6} resources: " + ", ".join(f"{k} {m['median_ms']} ms / {m['queries']} q ({m['matches']})"
                                                   for k, m in per_query.items())
              + f"; baseline icontains {results[label]['baseline_icontains_ms']} ms")
    large = results["large"]
    payload = {
        "name": "resources", "date": benchlib.now_iso(),
        "what": f"library search page, server time (median of {REPEAT} requests through the full middleware stack, "
                "signed-in CAE director) and queries per request, for each query; median over the queries",
        "target": "median <= 50 ms at 50,000 resources; query count constant",
        "results": results,
        "median_ms_at_50000": large["median_ms"],
        "query_count_constant": len({m["queries"] for r in results.values() for m in r["queries"].values()}) == 1,
        "peak_memory_mb": benchlib.peak_memory_mb(), "postgres": benchlib.postgres_version(), **benchlib.machine(),
    }
    print(benchlib.write_result("resources", payload))
    benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
