"""E-reporting of a month of B2C sales from the database (issue 24): 100,000 issued invoices to
individuals, each with two VAT rates, read by `tenants.activity.ereporting.ereporting_build` (in
chunks, per-rate totals as the documents' own), aggregated per day, category and rate and streamed
into the flux 10.3 file, then checked against the official XSD. Baseline, same run: the same month
at 10,000 invoices (time and memory scale with it, or memory stays flat).

Targets: ≤ 10 s at 100,000 sales; memory flat — the tracemalloc peak at 100,000 at most 1.5× the
peak at 10,000. The writer alone, without the database: bench_ereporting.py.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import date

import benchlib

from essaim.audit.actors import SystemActor

ACTOR = SystemActor("bench")
LARGE, SMALL = 100_000, 10_000
RUNS = 3


def month_of_sales(person, customer, first_day: date, count: int) -> None:
    from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise

    template = invoice_finalise(invoice=invoice_create_draft(
        entrepreneur=person, customer=customer, operation="services", acting_user=ACTOR,
        lines=[LineInput("Atelier", "1", "80.00", "20.00"), LineInput("Livre", "1", "15.00", "5.50")]),
        on=first_day, acting_user=ACTOR)
    benchlib.copy_issued_invoice(template.pk, count - 1, prefix=f"E{first_day:%m}-", spread_days=28)


def build(period, coop) -> tuple[float, dict]:
    from tenants.activity.ereporting import ereporting_build

    started = time.perf_counter()
    result = ereporting_build(period=period, cooperative=coop)
    return time.perf_counter() - started, result


def traced_peak_mb(period, coop) -> float:
    """A run of its own under tracemalloc (which slows Python down several times: never timed)."""
    from tenants.activity.ereporting import ereporting_build

    tracemalloc.start()
    ereporting_build(period=period, cooperative=coop)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> int:
    benchlib.django_setup()
    from essaim.cooperatives.services import cooperative_create
    from tenants.einvoicing.flux10 import flux10_check_xsd
    from tenants.einvoicing.models import Report
    from tenants.einvoicing.periods import Period
    from tenants.einvoicing.services import ConnectionInput, connection_save
    from tests.factories import make_customer, make_person, siren_from, siret_from

    try:
        siren = siren_from(77700201)
        coop = cooperative_create(name="bench-ereporting", legal_name="Bench e-reporting SCOP", slug="bench-ereporting",
                                  siren=siren, siret=siret_from(siren), region="44", address="1 rue",
                                  postal_code="51100", city="Reims", acting_user=ACTOR)
        with coop:
            connection_save(acting_user=ACTOR, data=ConnectionInput(
                name="PA", flow_url="https://pa.example.com/flow-service",
                directory_url="https://pa.example.com/directory-service", token_url="https://pa.example.com/token",
                client_id="bench", client_secret="bench", platform_number="9999"))
            person = make_person()
            customer = make_customer(person, "Jeanne Particulier", kind="individual")
            started = time.perf_counter()
            month_of_sales(person, customer, date(2026, 9, 1), SMALL)
            month_of_sales(person, customer, date(2026, 10, 1), LARGE)
            populate_s = time.perf_counter() - started
            september, october = Period(date(2026, 9, 1), date(2026, 9, 30)), Period(date(2026, 10, 1),
                                                                                    date(2026, 10, 31))
            small_s = benchlib.median([build(september, coop)[0] for _ in range(RUNS)])
            runs = []
            for _ in range(RUNS):
                elapsed, result = build(october, coop)
                runs.append(elapsed)
            small_peak, large_peak = traced_peak_mb(september, coop), traced_peak_mb(october, coop)
            content, contents = result[Report.Kind.TRANSACTIONS]
            started = time.perf_counter()
            flux10_check_xsd(content)
            xsd_s = time.perf_counter() - started
        ours = benchlib.median(runs)
        payload = {
            "name": "ereporting_db", "date": benchlib.now_iso(), "sales": LARGE, "small_sales": SMALL,
            "what": "seconds for ereporting_build of a month of B2C invoices read from PostgreSQL (per-rate totals, "
                    "aggregated per day/category/rate, flux 10.3 streamed to a file; median of 3) vs the same at 10,000 "
                    "invoices; tracemalloc peaks of each in runs of their own; XSD check of the file",
            "target": "<= 10 s at 100,000 sales; peak memory ratio (100,000 vs 10,000) <= 1.5",
            "ours_s": round(ours, 2), "runs_s": [round(r, 2) for r in runs], "small_s": round(small_s, 2),
            "time_ratio": round(ours / small_s, 2),
            "traced_peak_mb_small": round(small_peak, 2), "traced_peak_mb_large": round(large_peak, 2),
            "memory_ratio": round(large_peak / small_peak, 2),
            "b2c_sales_counted": contents.get("b2c_sales"), "file_kb": round(len(content) / 1024, 1),
            "xsd_validation_s": round(xsd_s, 3), "populate_s": round(populate_s, 1),
            "process_peak_memory_mb": benchlib.peak_memory_mb(), "postgres": benchlib.postgres_version(),
            **benchlib.machine(),
        }
        print(benchlib.write_result("ereporting_db", payload))
    finally:
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
