"""Pipeline board and person record with 2,000 people and 20,000 journey events in one CAE.

Measures server time (Django test client, full middleware stack, median of repeated requests)
and query count per page, at 200 and at 2,000 people in the same run: the query count must not
depend on the number of rows. Baseline: the same people read with one `.values()` query and
serialised to JSON, i.e. the floor a page of this data cannot beat.
Target (issue 4): median ≤ 100 ms, query count independent of the number of rows.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import benchlib

from essaim.audit.actors import SystemActor

REPEAT = 30


def timed(fn, repeat=REPEAT):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return benchlib.median(samples)


def populate(cooperative, people_count: int, counsellor) -> int:
    """Bulk rows: each person has one journey with 10 events, a CAPE and a CESA with 5 amendments."""
    from tenants.people.models import Contract, ContractAmendment, Entrepreneur, Journey, JourneyEvent, Site

    with cooperative:
        sites = Site.objects.bulk_create([Site(name=f"Site {i}", kind="branch", city=f"Ville {i}", department="51")
                                          for i in range(5)])
        stages = ["candidate", "info_session", "follow_up", "cape", "cesa", "associate", "exited"]
        people = Entrepreneur.objects.bulk_create([
            Entrepreneur(first_name=f"Prénom{i}", last_name=f"Nom{i:05d}", gender="FM"[i % 2], site=sites[i % 5],
                         stage=stages[i % len(stages)], counsellor=counsellor, email=f"p{i}@bench.demo",
                         sector_naf="62.01Z")
            for i in range(people_count)
        ])
        start = date(2022, 1, 3)
        journeys = Journey.objects.bulk_create([Journey(entrepreneur=p, number=1, opened_on=start) for p in people])
        kinds = ["info_session", "follow_up", "cape_signed", "first_revenue", "cesa_signed"] + ["amendment"] * 5
        events = JourneyEvent.objects.bulk_create([
            JourneyEvent(journey=j, kind=k, on=start + timedelta(days=30 * n)) for j in journeys
            for n, k in enumerate(kinds)
        ])
        contracts, amendments = [], []
        for j in journeys:
            contracts.append(Contract(journey=j, kind="cape", starts_on=start + timedelta(days=60),
                                      ends_on=start + timedelta(days=120)))
            contracts.append(Contract(journey=j, kind="cesa", starts_on=start + timedelta(days=120),
                                      weekly_hours=Decimal("10"), monthly_gross=Decimal("600")))
        Contract.objects.bulk_create(contracts)
        for cesa in contracts[1::2]:
            amendments += [ContractAmendment(contract=cesa, effective_on=start + timedelta(days=150 + 30 * n),
                                             weekly_hours=Decimal(10 + n), monthly_gross=Decimal(600 + 60 * n))
                           for n in range(5)]
        ContractAmendment.objects.bulk_create(amendments)
        return len(events)


def measure(client, path):
    from django.db import connection

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    return {"median_ms": round(timed(lambda: client.get(path)) * 1000, 1), "queries": len(executed)}


def main() -> int:
    benchlib.django_setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from essaim.accounts.models import Membership, User
    from essaim.cooperatives.services import cooperative_create
    from tenants.people.models import Entrepreneur
    from tests.factories import siren_from, siret_from

    setup_test_environment()
    # As in production with persistent connections (and as Django's own test client does): keep
    # the connection between requests, so queries are counted and connection setup isn't timed.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    results = {}
    for label, count in (("small", 200), ("large", 2000)):
        siren = siren_from(55500000 + count)
        coop = cooperative_create(name=f"Bench {count}", legal_name="Bench SCOP", slug=f"bench-{count}",
                                  siren=siren, siret=siret_from(siren), region="44", address="1 rue",
                                  postal_code="51100", city="Reims", acting_user=SystemActor("bench"))
        user = User.objects.create_user(f"conseil{count}@bench.demo", "motdepasse-bench-2026")
        Membership.objects.create(user=user, cooperative=coop, role="counsellor")
        events = populate(coop, count, user)
        client = Client(HTTP_HOST=f"bench-{count}.localhost")
        assert client.post("/connexion/", {"username": user.email, "password": "motdepasse-bench-2026"}).status_code == 302
        with coop:
            person = Entrepreneur.objects.order_by("id").first()

            def baseline():
                rows = list(Entrepreneur.objects.values("id", "first_name", "last_name", "stage")[:105])
                json.dumps(rows)

            baseline_ms = round(timed(baseline) * 1000, 2)
        results[label] = {
            "people": count, "events": events,
            "board": measure(client, "/personnes/parcours/"),
            "person_record": measure(client, f"/personnes/{person.pk}/"),
            "list_page": measure(client, "/personnes/"),
            "baseline_values_json_ms": baseline_ms,
        }
        print(f"{count:>5} people, {events:>6} events: " + ", ".join(
            f"{page} {results[label][page]['median_ms']} ms / {results[label][page]['queries']} q"
            for page in ("board", "person_record", "list_page")))
    large, small = results["large"], results["small"]
    payload = {
        "name": "people_pages", "date": benchlib.now_iso(),
        "what": f"server time (median of {REPEAT} requests through the full middleware stack) and queries per page",
        "target": "median <= 100 ms; query count independent of the number of rows",
        "results": results,
        "query_count_independent_of_rows": all(large[p]["queries"] == small[p]["queries"]
                                               for p in ("board", "person_record", "list_page")),
        "growth_large_over_small": {p: round(large[p]["median_ms"] / small[p]["median_ms"], 2)
                                    for p in ("board", "person_record", "list_page")},
        "peak_memory_mb": benchlib.peak_memory_mb(), "postgres": benchlib.postgres_version(), **benchlib.machine(),
    }
    print(benchlib.write_result("people_pages", payload))
    benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
