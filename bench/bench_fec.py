"""FEC export of 1,000,000 ledger lines: our streamed writer (Django ORM, server-side cursor,
formatting in Python, validated format) vs PostgreSQL's own `COPY (SELECT …) TO STDOUT` of the
same columns, same run. Target (issue 5): ≤ 2× COPY's time, peak memory under 150 MB.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import benchlib

LINES = 1_000_000
COPY_SQL = """
COPY (
  SELECT e.journal, e.journal, e.number, to_char(e.date, 'YYYYMMDD'), l.account, l.account, l.aux_account,
         l.aux_label, e.piece_ref, to_char(e.piece_date, 'YYYYMMDD'), l.label,
         replace(to_char(l.debit, 'FM999999999990.00'), '.', ','),
         replace(to_char(l.credit, 'FM999999999990.00'), '.', ','), '', '',
         to_char(e.validated_at, 'YYYYMMDD'), '', ''
  FROM ledger_entryline l JOIN ledger_entry e ON e.id = l.entry_id
  WHERE e.date >= '2026-01-01' AND e.date < '2027-01-01'
  ORDER BY e.validated_at, e.id, l.id
) TO STDOUT
"""


def populate(entries: int) -> None:
    """Two lines per entry (411 / 706), inserted by PostgreSQL itself."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO ledger_entry (journal, number, date, piece_ref, piece_date, label, source, validated_at)
            SELECT 'VT', '2026-' || lpad(g::text, 7, '0'), date '2026-01-01' + (g %% 365),
                   'F2026-' || lpad(g::text, 7, '0'), date '2026-01-01' + (g %% 365),
                   'Facture ' || g, 'bench:' || g, timestamp '2026-01-01' + g * interval '1 second'
            FROM generate_series(1, %s) AS g""", [entries])
        cursor.execute("""
            INSERT INTO ledger_entryline (entry_id, account, aux_account, aux_label, label, debit, credit)
            SELECT e.id, x.account, x.aux, x.aux_label, e.label, x.debit, x.credit
            FROM ledger_entry e,
                 LATERAL (VALUES ('411', 'C000001', 'Client', 120.00, 0.00), ('706', '', '', 0.00, 120.00))
                     AS x(account, aux, aux_label, debit, credit)""")


def main() -> int:
    benchlib.django_setup()
    from django.db import connection

    from essaim.cooperatives.services import cooperative_create
    from tenants.ledger.fec import fec_validate, fec_write
    from tests.factories import siren_from, siret_from

    siren = siren_from(77700001)
    coop = cooperative_create(name="Bench FEC", legal_name="Bench FEC SCOP", slug="bench-fec", siren=siren,
                              siret=siret_from(siren), region="44", address="1 rue", postal_code="51100",
                              city="Reims")
    with coop:
        started = time.perf_counter()
        populate(LINES // 2)
        populate_s = time.perf_counter() - started
        folder = Path(tempfile.mkdtemp(prefix="essaim-fec-"))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ours, theirs = [], []
        for _ in range(3):
            started = time.perf_counter()
            path = fec_write(year=2026, siren=siren, folder=folder)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            copy_path = folder / "copy.txt"
            with (connection.cursor() as cursor, copy_path.open("wb") as out,
                  cursor.connection.cursor().copy(COPY_SQL) as copy):
                for chunk in copy:
                    out.write(chunk)
            theirs.append(time.perf_counter() - started)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            errors = fec_validate(handle, year=2026)
        validate_s = time.perf_counter() - started
        line_count = sum(1 for _ in path.open(encoding="utf-8")) - 1
    ours_m, copy_m = benchlib.median(ours), benchlib.median(theirs)
    payload = {
        "name": "fec", "date": benchlib.now_iso(), "lines": line_count,
        "what": "seconds to write the FEC file (median of 3) vs COPY of the same columns to a file",
        "target": "<= 2x COPY, peak memory < 150 MB",
        "ours_s": round(ours_m, 2), "copy_s": round(copy_m, 2), "ratio": round(ours_m / copy_m, 2),
        "validator_s": round(validate_s, 2), "validator_errors": len(errors),
        "populate_s": round(populate_s, 1), "file_mb": round(path.stat().st_size / 1e6, 1),
        "peak_memory_mb": benchlib.peak_memory_mb(),
        "peak_memory_growth_during_exports_mb": round((rss_after - rss_before) / 1024, 1),
        "postgres": benchlib.postgres_version(), **benchlib.machine(),
    }
    print(f"{line_count} lines: ours {ours_m:.2f} s, COPY {copy_m:.2f} s (×{ours_m / copy_m:.2f}), "
          f"validator {validate_s:.2f} s ({len(errors)} errors), peak RSS {payload['peak_memory_mb']} MB")
    print(benchlib.write_result("fec", payload))
    benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
