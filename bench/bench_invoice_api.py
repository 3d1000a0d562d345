"""Invoice list endpoint (first page of 50, 100,000 issued invoices in the CAE) vs a bare Django
view returning the same JSON from `.values()` (checked equal before timing), same run, same
middleware stack, requests interleaved. Target (issue 5): ≥ 0.5× the bare view's throughput;
query count constant (also checked at `page_size=500`). `--profile` prints where the time goes and
the queries of both; BENCH_INVOICES=500 for a quick run.
"""

from __future__ import annotations

import statistics
import sys
import time

import benchlib

from essaim.audit.actors import SystemActor

INVOICES = int(__import__("os").environ.get("BENCH_INVOICES", 100_000))
REQUESTS = 60


def populate(count: int) -> None:
    """One entrepreneur, customer, draft invoice and line through the services, then `count`
    copies of that invoice and line in SQL (every column copied, so new model fields need nothing
    here), finalised in bulk."""
    from django.db import connection

    from tenants.activity.models import Invoice, InvoiceLine
    from tenants.activity.services import LineInput, invoice_create_draft
    from tests.factories import make_customer, make_person

    person = make_person()
    template = invoice_create_draft(entrepreneur=person, customer=make_customer(person),
                                    lines=[LineInput("Prestation", "1", "100")],
                                    acting_user=SystemActor("bench"))

    def columns(model, table=""):
        return ", ".join(f'{table}"{f.column}"' for f in model._meta.concrete_fields if f.column != "id")

    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO activity_invoice ({columns(Invoice)}) SELECT {columns(Invoice)}
                           FROM activity_invoice, generate_series(2, %s) WHERE id = %s""", [count, template.pk])
        cursor.execute(f"""INSERT INTO activity_invoiceline ({columns(InvoiceLine)})
                           SELECT {columns(InvoiceLine, "l.").replace('l."invoice_id"', "i.id")}
                           FROM activity_invoiceline l, activity_invoice i
                           WHERE l.invoice_id = %s AND i.id <> %s""", [template.pk, template.pk])
        cursor.execute("""UPDATE activity_invoice SET status = 'finalised', issued_on = date '2026-01-01' + (id % 300)::int,
                              due_on = date '2026-02-01' + (id % 300)::int, finalised_at = now(),
                              number = 'F2026-' || lpad(id::text, 6, '0')""")
        cursor.execute("ANALYZE activity_invoice; ANALYZE activity_invoiceline")  # as autovacuum would, soon


def bare_view(request):
    """The floor: the same JSON as the API's first page (pinned below), written by hand from
    `.values()`: one query for the page (the corrected invoice's number by a scalar subquery), one
    for its lines, no authentication, no framework."""
    from base64 import b64encode
    from urllib.parse import urlencode

    from django.db.models import OuterRef, Subquery
    from django.http import JsonResponse
    from django.utils import timezone

    from tenants.activity.models import Invoice, InvoiceLine
    from tenants.activity.totals import line_amount

    corrected = Invoice.objects.filter(pk=OuterRef("corrects_id")).values("number")[:1]
    rows = list(Invoice.objects.filter(status="finalised").annotate(corrects_number=Subquery(corrected)).order_by("id").values(
        "id", "kind", "number", "issued_on", "due_on", "entrepreneur_id", "customer_id", "corrects_number", "operation",
        "exemption_mention", "purchase_order", "total_excl_vat", "total_vat", "total_incl_vat", "finalised_at")[:51])
    more, rows = len(rows) > 50, rows[:50]
    lines: dict[int, list] = {}
    for line in InvoiceLine.objects.filter(invoice_id__in=[r["id"] for r in rows]).values(
            "invoice_id", "position", "description", "quantity", "unit", "unit_price", "vat_rate"):
        line["amount"] = f"{line_amount(line['quantity'], line['unit_price']):f}"
        line["quantity"], line["unit_price"] = f"{line['quantity']:f}", f"{line['unit_price']:f}"
        lines.setdefault(line.pop("invoice_id"), []).append(line)
    for row in rows:
        row["corrects"] = row.pop("corrects_number")
        for name in ("issued_on", "due_on"):
            row[name] = row[name] and row[name].isoformat()
        for name in ("total_excl_vat", "total_vat", "total_incl_vat"):
            row[name] = f"{row[name]:f}"
        row["finalised_at"] = row["finalised_at"] and timezone.localtime(row["finalised_at"]).isoformat()
        row["lines"] = lines.get(row["id"], [])
    cursor = b64encode(f"p={rows[-1]['id']}".encode()).decode() if more else None
    return JsonResponse({"next": cursor and request.build_absolute_uri("?" + urlencode({"cursor": cursor})),
                         "previous": None,
                         "results": rows})


def same_json(api: dict, bare: dict) -> bool:
    """The two bodies are equal but for the path in the `next` link."""
    def cursor(link):
        return link and link.partition("?")[2]
    return api["results"] == bare["results"] and cursor(api["next"]) == cursor(bare["next"]) and not api["previous"]


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
                              siret=siret_from(siren), region="44", address="1 rue", postal_code="51100", city="Reims",
                              acting_user=SystemActor("bench"))
    with coop:
        started = time.perf_counter()
        populate(INVOICES)
        populate_s = time.perf_counter() - started
        _, key = apikey_create(name="Bench", scopes=["activity:read"], acting_user=SystemActor("bench"))
    client = Client(HTTP_HOST="bench-api.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    api_body, bare_body = client.get("/api/v1/invoices").json(), client.get("/bench/bare-invoices").json()
    assert same_json(api_body, bare_body), ("the baseline must return the API's JSON", api_body["next"],
                                            bare_body["next"], api_body["results"][0], bare_body["results"][0])

    def queries(url) -> list[str]:
        executed: list[str] = []
        with connection.execute_wrapper(lambda ex, sql, params, many, ctx: executed.append(sql) or ex(sql, params, many, ctx)):
            client.get(url)
        return executed

    def measure(*urls) -> list[dict]:
        """Interleaved (a, b, c, a, b, c…) so that a change of load on the machine hits all alike."""
        timings: dict[str, list[float]] = {url: [] for url in urls}
        for url in urls:
            assert client.get(url).status_code == 200, url
        for _ in range(REQUESTS):
            for url in urls:
                started = time.perf_counter()
                client.get(url)
                timings[url].append(time.perf_counter() - started)
        return [{"requests_per_s": round(len(t) / sum(t), 1), "median_ms": round(statistics.median(t) * 1000, 2),
                 "queries": len(queries(url))} for url, t in timings.items()]

    if "--profile" in sys.argv:
        import cProfile
        import pstats

        client.get("/api/v1/invoices")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get("/api/v1/invoices")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        for url in ("/api/v1/invoices", "/bench/bare-invoices"):
            print(url, *(f"  {sql[:150]}" for sql in queries(url)), sep="\n")
    ours, bare, later = measure("/api/v1/invoices", "/bench/bare-invoices", "/api/v1/invoices?issued_from=2026-06-01")
    ours["queries_at_page_size_500"] = len(queries("/api/v1/invoices?page_size=500"))
    payload = {
        "name": "invoice_api", "date": benchlib.now_iso(), "invoices": INVOICES, "page_size": 50,
        "what": f"{REQUESTS} sequential requests to each URL, interleaved, through the full middleware stack "
                "(test client); the bare view's JSON is checked equal to the API's",
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
