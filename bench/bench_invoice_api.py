"""Invoice list endpoint (first page of 50, 100,000 issued invoices in the CAE) vs a bare Django
view returning the same JSON from `.values()`, same run, same middleware stack.
Target (issue 5): ≥ 0.5× the bare view's throughput; query count constant. `--profile` prints where
the time goes.
"""

from __future__ import annotations

import sys
import time

import benchlib

INVOICES = 100_000
REQUESTS = 60


def populate(count: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO people_site (name, kind, address, postal_code, city, department, is_active) "
                       "VALUES ('Siège', 'head_office', '', '', 'Reims', '51', true) RETURNING id")
        site = cursor.fetchone()[0]
        cursor.execute("""INSERT INTO people_entrepreneur (first_name, last_name, gender, email, phone, address,
                              postal_code, city, entry_situation, education_level, referrer, activity_description,
                              sector_naf, site_id, stage, created_at)
                          VALUES ('Léa', 'Martin', 'F', '', '', '', '', '', 'job_seeker', '', '', '', '', %s,
                                  'cesa', now()) RETURNING id""", [site])
        person = cursor.fetchone()[0]
        cursor.execute("""INSERT INTO activity_customer (entrepreneur_id, kind, name, siren, siret, vat_number, email,
                              billing_address, billing_postal_code, billing_city, delivery_address, created_at)
                          VALUES (%s, 'company', 'Client', '', '', '', '', '1 rue', '51100', 'Reims', '', now())
                          RETURNING id""", [person])
        customer = cursor.fetchone()[0]
        cursor.execute("""INSERT INTO activity_invoice (kind, status, entrepreneur_id, customer_id, operation,
                              exemption_mention, purchase_order, total_excl_vat, total_vat, total_incl_vat, created_at)
                          SELECT 'invoice', 'draft', %s, %s, 'services', '', '', 100, 20, 120, now()
                          FROM generate_series(1, %s)""", [person, customer, count])
        cursor.execute("""INSERT INTO activity_invoiceline (invoice_id, position, description, quantity, unit,
                              unit_price, vat_rate)
                          SELECT id, 1, 'Prestation', 1, 'unité', 100, '20.00' FROM activity_invoice""")
        cursor.execute("""UPDATE activity_invoice SET status = 'finalised', issued_on = date '2026-01-01' + (id % 300)::int,
                              due_on = date '2026-02-01' + (id % 300)::int, finalised_at = now(),
                              number = 'F2026-' || lpad(id::text, 6, '0')""")
        cursor.execute("ANALYZE activity_invoice; ANALYZE activity_invoiceline")  # as autovacuum would, soon


def bare_view(request):
    """The floor: one query for the page, one for its lines, JSON straight from .values()."""
    from django.http import JsonResponse

    from tenants.activity.models import Invoice, InvoiceLine

    rows = list(Invoice.objects.filter(status="finalised").order_by("id").values(
        "id", "kind", "number", "issued_on", "due_on", "entrepreneur_id", "customer_id", "operation",
        "exemption_mention", "purchase_order", "total_excl_vat", "total_vat", "total_incl_vat", "finalised_at")[:50])
    lines: dict[int, list] = {}
    for line in InvoiceLine.objects.filter(invoice_id__in=[r["id"] for r in rows]).values(
            "invoice_id", "position", "description", "quantity", "unit", "unit_price", "vat_rate"):
        lines.setdefault(line.pop("invoice_id"), []).append(line)
    for row in rows:
        row["lines"] = lines.get(row["id"], [])
    return JsonResponse({"results": rows}, json_dumps_params={"default": str})


def main() -> int:
    benchlib.django_setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import clear_url_caches, path

    import essaim.urls_tenant
    from api.keys.services import apikey_create
    from essaim.cooperatives.services import cooperative_create
    from tests.factories import siren_from, siret_from

    setup_test_environment()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    essaim.urls_tenant.urlpatterns.append(path("bench/bare-invoices", bare_view))
    clear_url_caches()

    siren = siren_from(88800001)
    coop = cooperative_create(name="Bench API", legal_name="Bench API SCOP", slug="bench-api", siren=siren,
                              siret=siret_from(siren), region="44", address="1 rue", postal_code="51100", city="Reims")
    with coop:
        started = time.perf_counter()
        populate(INVOICES)
        populate_s = time.perf_counter() - started
        _, key = apikey_create(name="Bench", scopes=["activity:read"])
    client = Client(HTTP_HOST="bench-api.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")

    def measure(url):
        assert client.get(url).status_code == 200, url
        executed = []
        with connection.execute_wrapper(lambda ex, sql, params, many, ctx: executed.append(sql) or ex(sql, params, many, ctx)):
            client.get(url)
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        seconds = time.perf_counter() - started
        return {"requests_per_s": round(REQUESTS / seconds, 1), "median_ms": round(seconds / REQUESTS * 1000, 1),
                "queries": len(executed)}

    if "--profile" in sys.argv:
        import cProfile
        import pstats

        client.get("/api/v1/invoices")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get("/api/v1/invoices")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    ours = measure("/api/v1/invoices")
    bare = measure("/bench/bare-invoices")
    later = measure("/api/v1/invoices?issued_from=2026-06-01")
    payload = {
        "name": "invoice_api", "date": benchlib.now_iso(), "invoices": INVOICES, "page_size": 50,
        "what": f"{REQUESTS} sequential requests through the full middleware stack (test client)",
        "target": ">= 0.5x the bare view's throughput; constant query count",
        "api": ours, "bare_view": bare, "api_filtered": later,
        "throughput_ratio": round(ours["requests_per_s"] / bare["requests_per_s"], 2),
        "populate_s": round(populate_s, 1), "peak_memory_mb": benchlib.peak_memory_mb(),
        "postgres": benchlib.postgres_version(), **benchlib.machine(),
    }
    print(f"API {ours['requests_per_s']} req/s ({ours['queries']} q) vs bare {bare['requests_per_s']} req/s "
          f"({bare['queries']} q): ×{payload['throughput_ratio']}")
    print(benchlib.write_result("invoice_api", payload))
    benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
