"""FEC export of 1,000,000 ledger lines: our writer (`fec_write`: PostgreSQL's COPY formats the 18
columns — labels, AAAAMMJJ dates, comma decimals, tabs and newlines cleaned — and the file is
streamed to disk chunk by chunk) vs a bare `COPY (SELECT …) TO STDOUT` of the same columns, same
run. Target (issue 5): ≤ 2× COPY's time, peak memory under 150 MB.

Memory is the export's own: once the data is built, `manage.py export_fec` (write, then our
validator over the file) runs in a separate process, whose peak resident memory is read from
`wait4` (ru_maxrss); a process that only starts Django and connects gives the floor it stands on.
Linux carries a parent's resident size at fork into its child's ru_maxrss, so these processes are
started by a small launcher spawned before this script grows, as a shell would start them.

Database: `essaim_bench`, dropped and recreated; ESSAIM_BENCH_DB=<name> uses another one (for
runs in parallel with other benches), dropped at the end too. `--keep` keeps it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

from essaim.audit.actors import SystemActor

LINES = 1_000_000
SLUG = "bench-fec"
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


def _use_database(name: str) -> None:
    """Point Django at `name` (before the first connection)."""
    from django.conf import settings

    benchlib.BENCH_DATABASE = name
    settings.DATABASES["default"]["NAME"] = name


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
        cursor.execute("ANALYZE ledger_entry")
        cursor.execute("ANALYZE ledger_entryline")


def child(args: argparse.Namespace) -> int:
    """In a fresh process: start Django on the bench database, then (`export`) run
    `manage.py export_fec` through call_command, or (`floor`) only connect. Prints its timings."""
    _use_database(args.database)
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    out = {}
    if args.child == "export":
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("export_fec", cooperative=SLUG, year=2026, output=args.output, verbosity=0)
        out["export_s"] = time.perf_counter() - started
    status = Path("/proc/self/status")
    if status.exists():  # Linux: this process's own high-water mark, a cross-check of ru_maxrss
        vm_hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
        out["vm_hwm_mb"] = round(int(vm_hwm.split()[1]) / 1024, 1)
    print(json.dumps(out))
    return 0


def launcher() -> int:
    """Runs each command read on stdin (JSON: argv and environment) and answers with its last line
    of output and its ru_maxrss from wait4."""
    for request in sys.stdin:
        command = json.loads(request)
        proc = subprocess.Popen(command["argv"], stdout=subprocess.PIPE, env=command["env"])
        stdout = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        lines = stdout.decode().strip().splitlines()
        print(json.dumps({"code": proc.returncode, "last_line": lines[-1] if lines else "",
                          "maxrss": usage.ru_maxrss}), flush=True)
    return 0


class Launcher:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--launcher"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, kind: str, database: str, output: Path) -> tuple[dict, float]:
        """(what the child printed, its peak resident memory in MB)."""
        argv = [sys.executable, __file__, "--child", kind, "--database", database, "--output", str(output)]
        self.proc.stdin.write(json.dumps({"argv": argv, "env": dict(os.environ)}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if answer["code"]:
            raise SystemExit(f"child {kind} failed ({answer['code']})")
        rss = answer["maxrss"] / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return json.loads(answer["last_line"]), round(rss, 1)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
    parser.add_argument("--child", choices=["export", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--launcher", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.launcher:
        return launcher()

    launch = Launcher()  # now, while this process is small
    database = os.environ.get("ESSAIM_BENCH_DB", benchlib.BENCH_DATABASE)
    _use_database(database)
    benchlib.django_setup()
    from django.db import connection

    from essaim.cooperatives.services import cooperative_create
    from tenants.ledger.fec import fec_validate_file, fec_write
    from tests.factories import siren_from, siret_from

    siren = siren_from(77700001)
    coop = cooperative_create(name="Bench FEC", legal_name="Bench FEC SCOP", slug=SLUG, siren=siren,
                              siret=siret_from(siren), region="44", address="1 rue", postal_code="51100",
                              city="Reims", acting_user=SystemActor("bench"))
    folder = Path(tempfile.mkdtemp(prefix="essaim-fec-"))
    with coop:
        started = time.perf_counter()
        populate(args.lines // 2)
        populate_s = time.perf_counter() - started
    connection.close()  # the children need no lock or snapshot of ours

    # The export's own memory and time, as `manage.py export_fec` (write + validation) in a child.
    floor, floor_mb = launch.run("floor", database, folder)
    exports, export_peaks, export_hwm = [], [], []
    for _ in range(3):
        timings, peak = launch.run("export", database, folder)
        exports.append(timings["export_s"])
        export_peaks.append(peak)
        export_hwm.append(timings.get("vm_hwm_mb"))
    launch.close()

    with coop:
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
        started = time.perf_counter()
        errors = fec_validate_file(path, year=2026, siren=siren)
        validate_s = time.perf_counter() - started
        with path.open("rb") as handle:
            line_count = sum(1 for _ in handle) - 1
    ours_m, copy_m = benchlib.median(ours), benchlib.median(theirs)
    payload = {
        "name": "fec", "date": benchlib.now_iso(), "lines": line_count,
        "what": "seconds to write the FEC file (fec_write, median of 3) vs a bare COPY of the same columns to a "
                "file; peak resident memory (ru_maxrss) of `manage.py export_fec` (write + validation) run as a "
                "separate process once the data is built",
        "target": "<= 2x COPY, peak memory < 150 MB",
        "ours_s": round(ours_m, 2), "copy_s": round(copy_m, 2), "ratio": round(ours_m / copy_m, 2),
        "validator_s": round(validate_s, 2), "validator_errors": len(errors),
        "export_command_s": round(benchlib.median(exports), 2),
        "export_peak_memory_mb": max(export_peaks),
        "export_peak_memory_runs_mb": export_peaks,
        "export_vm_hwm_runs_mb": export_hwm,
        "django_floor_memory_mb": floor_mb,
        "django_floor_vm_hwm_mb": floor.get("vm_hwm_mb"),
        "export_memory_above_floor_mb": round(max(export_peaks) - floor_mb, 1),
        "populate_s": round(populate_s, 1), "file_mb": round(path.stat().st_size / 1e6, 1),
        "bench_process_peak_memory_mb": benchlib.peak_memory_mb(),
        "postgres": benchlib.postgres_version(), **benchlib.machine(),
    }
    print(f"{line_count} lines: ours {ours_m:.2f} s, COPY {copy_m:.2f} s (×{ours_m / copy_m:.2f}), "
          f"validator {validate_s:.2f} s ({len(errors)} errors); export_fec {payload['export_command_s']:.2f} s, "
          f"peak {payload['export_peak_memory_mb']} MB (Django alone {floor_mb} MB)")
    print(benchlib.write_result("fec", payload))
    shutil.rmtree(folder)  # 230 MB of files
    connection.close()
    if not args.keep:
        benchlib.drop_bench_database(benchlib.database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
