"""E-reporting of a month of B2C sales (flux 10.3): 100,000 sales generated lazily, aggregated per
day, category and rate (`aggregate_b2c`) and streamed to a file (`write_transactions_report`), then
the file checked against the official XSD (`flux10_check_xsd`). Baseline, same run: the time to
merely iterate the same generator (building each `B2CTransaction`, which is what any caller pays).
Targets (issue): aggregation + writing ≤ 10 s at 100,000 sales; memory flat — the peak traced by
tracemalloc at 100,000 sales at most 1.5× the peak at 10,000.

No database: the module is pure Python and lxml (benchlib is imported for its paths and JSON only).
tracemalloc sees Python's allocations, not libxml2's (lxml's C buffers); the process's peak resident
memory (ru_maxrss) is recorded beside it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import benchlib

from tenants.einvoicing.flux10 import (
    DEFAULT_XSD_DIR,
    B2CTransaction,
    ReportHeader,
    aggregate_b2c,
    flux10_check_xsd,
    write_transactions_report,
)

SALES = 100_000
SMALL = 10_000
RUNS = 3
MONTH_START, MONTH_DAYS = date(2026, 5, 1), 31
CENT = Decimal("0.01")
# (category, rate): services at 20 % and 10 %, goods at 20 % and 5.5 %, margin scheme, non-taxable.
MIX = [("TPS1", Decimal(20)), ("TPS1", Decimal(10)), ("TLB1", Decimal(20)), ("TLB1", Decimal("5.5")),
       ("TMA1", Decimal(20)), ("TNT1", Decimal(0))]


def sales(count: int) -> Iterator[B2CTransaction]:
    """A month of B2C sales, made one at a time (a cheap LCG: the same data on every run); one in
    fifty is a refund (negative)."""
    state = 12345
    for i in range(count):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        category, rate = MIX[state % len(MIX)]
        base = Decimal(500 + state % 30_000) / 100
        if i % 50 == 49:
            base = -base
        yield B2CTransaction(day=MONTH_START + timedelta(days=i % MONTH_DAYS), category=category, rate=rate,
                             taxable_amount=base,
                             tax_amount=(base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP))


def header() -> ReportHeader:
    return ReportHeader(report_id="BENCH-ER-2026-05", issued_at=datetime(2026, 6, 1, 6, 0, tzinfo=UTC),
                        period_start=MONTH_START, period_end=MONTH_START + timedelta(days=MONTH_DAYS - 1),
                        declarant_siren="303265045", declarant_name="CAE Bench SCOP", platform_id="0042",
                        platform_name="PA de banc d'essai")


def baseline(count: int) -> None:
    for _ in sales(count):
        pass


def report(count: int, path: Path) -> int:
    """Aggregate and write; the number of `Transactions` blocks written."""
    days = aggregate_b2c(sales(count))
    with path.open("wb") as out:
        write_transactions_report(out, header(), b2c_days=days)
    return len(days)


def timed(func, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def traced_peak_mb(count: int, path: Path) -> float:
    tracemalloc.start()
    try:
        report(count, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 1e6, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=SALES)
    parser.add_argument("--small", type=int, default=SMALL)
    args, _ = parser.parse_known_args()  # `make bench` may pass arguments meant for other benches

    folder = Path(tempfile.mkdtemp(prefix="essaim-ereporting-"))
    path = folder / "flux10_3.xml"
    base_runs, our_runs, blocks = [], [], 0
    for _ in range(RUNS):
        elapsed, _ = timed(baseline, args.sales)
        base_runs.append(elapsed)
        elapsed, blocks = timed(report, args.sales, path)
        our_runs.append(elapsed)
    data = path.read_bytes()
    if (DEFAULT_XSD_DIR / "ereporting.xsd").is_file():
        validate_s, _ = timed(flux10_check_xsd, data)
        validation: object = round(validate_s, 3)
    else:
        validation = f"skipped: {DEFAULT_XSD_DIR} absent"
    peak_small = traced_peak_mb(args.small, folder / "small.xml")
    peak_large = traced_peak_mb(args.sales, path)
    ours, theirs = benchlib.median(our_runs), benchlib.median(base_runs)
    payload = {
        "name": "ereporting", "date": benchlib.now_iso(), "sales": args.sales, "small_sales": args.small,
        "what": "seconds to aggregate a month of lazily generated B2C sales per day/category/rate and stream the "
                "flux 10.3 report to a file (median of 3) vs merely iterating the same generator; tracemalloc peak "
                "of the same at two sizes; XSD validation of the file",
        "target": "<= 10 s at 100,000 sales; peak memory ratio (100,000 vs 10,000) <= 1.5",
        "ours_s": round(ours, 3), "baseline_iterate_s": round(theirs, 3), "ratio": round(ours / theirs, 2),
        "aggregation_overhead_s": round(ours - theirs, 3),
        "runs_s": [round(x, 3) for x in our_runs], "baseline_runs_s": [round(x, 3) for x in base_runs],
        "transactions_blocks": blocks, "file_kb": round(len(data) / 1024, 1),
        "xsd_validation_s": validation,
        "traced_peak_mb_small": peak_small, "traced_peak_mb_large": peak_large,
        "memory_ratio": round(peak_large / peak_small, 2) if peak_small else None,
        "process_peak_memory_mb": benchlib.peak_memory_mb(), **benchlib.machine(),
    }
    print(f"{args.sales} B2C sales → {blocks} days×categories, {payload['file_kb']} KB: "
          f"{ours:.2f} s (iterate only {theirs:.2f} s, ×{payload['ratio']}); XSD {validation} s; "
          f"traced peak {peak_small} MB at {args.small} vs {peak_large} MB at {args.sales} "
          f"(×{payload['memory_ratio']})")
    print(benchlib.write_result("ereporting", payload))
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
