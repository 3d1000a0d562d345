"""E-invoicing end to end (issue 24): N invoices issued by CAE A to CAE B are transmitted through the
sandbox platform (a real process, standins/pa_sandbox) and their statuses read back, against the
bare generation of the same invoices' CII XML in the same run.

Measured: invoices per second end to end (build + queue + submit + the statuses 200/202/203 read
back by `flows_sync`), its ratio to the bare generation's time, queries per invoice at N/10 and N
(constant), duplicates at the platform (zero). Targets: ≥ 50 invoices/s on 2 cores, ≤ 2× the bare
generation. BENCH_EINVOICES (default 10,000) sets N; BENCH_WORKERS (default 2) the number of
worker processes sharing the work, as Celery's prefork pool would. Then the same pipeline sends
BENCH_EINVOICES_FACTURX (default 1,000; 0 skips it) Factur-X PDFs, against their bare generation.
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing import get_context

import benchlib

from essaim.audit.actors import SystemActor

N = int(os.environ.get("BENCH_EINVOICES", 10_000))
# The same pipeline sending Factur-X (PDF/A-3 with its CII, the default syntax) against the bare
# Factur-X generation: fewer invoices, a PDF costs some 250 ms to render.
N_FACTURX = int(os.environ.get("BENCH_EINVOICES_FACTURX", 1_000))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
ACTOR = SystemActor("bench")


def populate(count: int, buyer_siren: str) -> list[int]:
    """One invoice issued through the services, then `count - 1` copies in SQL with their own
    numbers (every column copied), each recorded as to be transmitted."""
    from tenants.activity.models import Invoice, InvoiceEmission
    from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
    from tests.factories import make_customer, make_person

    before = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    person = make_person()
    customer = make_customer(person, "Acheteur", kind="company", siren=buyer_siren)
    template = invoice_finalise(invoice=invoice_create_draft(
        entrepreneur=person, customer=customer, operation="services", acting_user=ACTOR,
        lines=[LineInput("Prestation", "1", "100", "20.00")]), acting_user=ACTOR)

    benchlib.copy_issued_invoice(template.pk, count - 1, prefix="B")
    ids = list(Invoice.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
    InvoiceEmission.objects.filter(invoice_id=template.pk).delete()
    InvoiceEmission.objects.bulk_create([InvoiceEmission(invoice_id=pk) for pk in ids], batch_size=2000)
    return ids


def bare(ids: list[int], coop, *, pdf: bool = False) -> float:
    """The same documents generated in a row, nothing sent: the CII XML, or the Factur-X PDF."""
    from tenants.activity.facturx import invoice_facturx_pdf, invoice_facturx_xml
    from tenants.activity.models import Invoice

    generate = invoice_facturx_pdf if pdf else invoice_facturx_xml
    started = time.perf_counter()
    for pk in ids:
        generate(invoice=Invoice.objects.get(pk=pk), cooperative=coop)
    return time.perf_counter() - started


def _worker(args) -> tuple[int, int]:
    """A worker process: transmit its share (invoice_emit then flow_submit, as the two Celery tasks
    do); returns (invoices, queries)."""
    slug, ids = args
    import django

    django.setup()
    from django.db import connection

    from essaim.cooperatives.models import Cooperative
    from tenants.activity.emission import invoice_emit
    from tenants.einvoicing.services import flow_submit

    counted = [0]

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    coop = Cooperative.objects.get(slug=slug)
    with coop, connection.execute_wrapper(count):
        for pk in ids:
            emission = invoice_emit(invoice_pk=pk, acting_user=ACTOR)
            flow_submit(flow_pk=emission.flow_id)
    queries = counted[0]
    return len(ids), queries


def _syncer(args) -> float:
    """The beat's sync, in a process of its own while the workers transmit (as in production):
    reads statuses until every invoice has its 203."""
    slug, count = args
    import django

    django.setup()
    from essaim.cooperatives.models import Cooperative
    from tenants.activity.models import InvoiceEmission
    from tenants.einvoicing.services import flows_sync

    started = time.perf_counter()
    with Cooperative.objects.get(slug=slug):
        while InvoiceEmission.objects.filter(status="203").count() < count:
            if not flows_sync(max_pages=1000):
                time.sleep(0.05)
    return time.perf_counter() - started


def transmit(slug: str, ids: list[int], *, sync_until: int = 0) -> tuple[float, int]:
    """`ids` shared among WORKERS processes (invoice_emit then flow_submit, as the Celery tasks);
    with `sync_until`, one more process reads the statuses meanwhile until that many have 203."""
    from django.db import connections

    connections.close_all()
    shares = [ids[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    with get_context("fork").Pool(WORKERS + (1 if sync_until else 0)) as pool:
        syncing = pool.apply_async(_syncer, ((slug, sync_until),)) if sync_until else None
        results = pool.map(_worker, [(slug, share) for share in shares])
        if syncing is not None:
            syncing.get()
    return time.perf_counter() - started, sum(q for _, q in results)


def main() -> int:
    benchlib.django_setup()
    from pathlib import Path

    from django.conf import settings

    from essaim.cooperatives.services import cooperative_create
    from standins.pa_sandbox.process import start
    from tests.factories import siren_from, siret_from

    settings.EINVOICING_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    data = Path(benchlib.ROOT / ".data")
    data.mkdir(exist_ok=True)
    db = data / "bench_pa_sandbox.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    sandbox = start(db, admin_token="bench")
    admin = sandbox.admin()
    try:
        coops = []
        for index, slug in enumerate(("bench-vendeur", "bench-acheteur")):
            siren = siren_from(77700001 + index)
            coop = cooperative_create(name=slug, legal_name=f"{slug} SCOP", slug=slug, siren=siren,
                                      siret=siret_from(siren), region="44", address="1 rue", postal_code="51100",
                                      city="Reims", acting_user=ACTOR)
            admin.client(f"essaim-{slug}", "secret", name=slug, siren=siren)
            admin.directory(siren=siren, name=slug, client_id=f"essaim-{slug}")
            from tenants.einvoicing.services import ConnectionInput, connection_save

            with coop:
                connection_save(acting_user=ACTOR, data=ConnectionInput(
                    name="sandbox", flow_url=f"{sandbox.url}/flow-service", directory_url=f"{sandbox.url}/directory-service",
                    token_url=f"{sandbox.url}/oauth/token", client_id=f"essaim-{slug}", client_secret="secret", syntax="CII"))
            coops.append(coop)
        seller, buyer = coops
        with seller:
            started = time.perf_counter()
            ids = populate(N, buyer.siren)
            populate_s = time.perf_counter() - started
            bare_s = bare(ids, seller)
        small = ids[: max(1, N // 10)]
        small_s, small_queries = transmit(seller.slug, small)
        large_s, large_queries = transmit(seller.slug, ids[len(small):], sync_until=N)
        ours_s = small_s + large_s
        facturx = {}
        if N_FACTURX:
            from tenants.einvoicing.models import PlatformConnection

            with seller:
                PlatformConnection.objects.update(syntax="Factur-X")
                fx_ids = populate(N_FACTURX, buyer.siren)
                fx_bare_s = bare(fx_ids, seller, pdf=True)
            fx_s, _ = transmit(seller.slug, fx_ids, sync_until=N + N_FACTURX)
            facturx = {"invoices": N_FACTURX, "ours_s": round(fx_s, 2), "bare_generation_s": round(fx_bare_s, 2),
                       "ratio": round(fx_s / fx_bare_s, 2), "invoices_per_s": round(N_FACTURX / fx_s, 1)}
        stats = admin.stats()
        per_small = small_queries / len(small)
        per_large = large_queries / max(1, len(ids) - len(small))
        payload = {
            "name": "einvoicing", "date": benchlib.now_iso(), "invoices": N, "workers": WORKERS,
            "what": "invoices transmitted through the sandbox platform (build CII + queue + submit: the first "
                    "tenth, then the rest while one more process reads the statuses 200/202/203 back, as the "
                    "beat does) until every invoice has its 203, vs the bare CII generation of the same invoices; "
                    "`facturx`: the same pipeline sending Factur-X PDFs vs their bare generation",
            "target": ">= 50 invoices/s end to end; <= 2x the bare generation; queries per invoice constant; "
                      "zero duplicates",
            "ours_s": round(ours_s, 2), "first_tenth_s": round(small_s, 2), "rest_with_statuses_s": round(large_s, 2),
            "bare_generation_s": round(bare_s, 2), "ratio": round(ours_s / bare_s, 2),
            "invoices_per_s": round(N / ours_s, 1),
            "queries_per_invoice_small": round(per_small, 1), "queries_per_invoice_large": round(per_large, 1),
            "facturx": facturx, "sandbox": stats, "populate_s": round(populate_s, 1), "peak_memory_mb": benchlib.peak_memory_mb(),
            "postgres": benchlib.postgres_version(), **benchlib.machine(),
        }
        print(benchlib.write_result("einvoicing", payload))
    finally:
        sandbox.stop()
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
