"""Shared helpers for the bench scripts (not a bench itself: `make bench` runs bench_*.py only).

Each bench is a plain script. `make bench` (essaim.devstack bench) runs it with
DJANGO_SETTINGS_MODULE=essaim.settings.bench and the DATABASE_URL of the embedded PostgreSQL;
run directly without DATABASE_URL, a script starts (or joins) the embedded server itself.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BENCH_DATABASE = "essaim_bench"

# The venv installs the project in editable mode; these make a bare checkout work too. platform/
# is not a package (it would shadow the stdlib `platform`), so it goes on the path itself.
for _path in (ROOT / "platform", ROOT):
    if str(_path) not in sys.path:
        sys.path.append(str(_path))

# Set before anything imports essaim (its Celery app defaults the settings to local): a bench
# must never write to the development database.
os.environ["DJANGO_SETTINGS_MODULE"] = "essaim.settings.bench"

_server = None  # keeps the embedded server alive while the bench runs


def database_url() -> str:
    """DATABASE_URL if set, else the embedded server's (started or joined here)."""
    global _server
    url = os.environ.get("DATABASE_URL")
    if not url:
        from essaim.devdb import embedded_database_url, get_embedded_server

        _server = get_embedded_server(cleanup_mode="stop")
        url = embedded_database_url()
        os.environ["DATABASE_URL"] = url
    return url


def maintenance_conninfo(url: str) -> str:
    """The same server, database `postgres` (to drop and create the bench database)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url.replace("postgis://", "postgresql://", 1))
    params["dbname"] = "postgres"
    return make_conninfo(**params)


def recreate_bench_database(url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')


def drop_bench_database(url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def django_setup() -> None:
    """Point Django at the freshly recreated bench database and migrate its public schema."""
    url = database_url()
    recreate_bench_database(url)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if connection.settings_dict["NAME"] != BENCH_DATABASE:
        raise SystemExit(f"Refusing to run: the bench database is {connection.settings_dict['NAME']!r}, "
                         f"not {BENCH_DATABASE!r} (DJANGO_SETTINGS_MODULE must be essaim.settings.bench).")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)


def copy_issued_invoice(template_pk: int, count: int, *, prefix: str, spread_days: int = 0) -> None:
    """`count` copies of the issued invoice `template_pk` (every column and line copied) in SQL,
    in the current schema, each with its own number `<prefix><id>`; with `spread_days`, their
    issue dates spread over that many days from the template's. Copied as drafts (an issued
    invoice's lines are immutable, by trigger), lines added, then issued in one UPDATE, as
    invoice_finalise does one at a time."""
    from django.db import connection

    from tenants.activity.models import Invoice, InvoiceLine

    def columns(model, table=""):
        return ", ".join(f'{table}"{f.column}"' for f in model._meta.concrete_fields if f.column != "id")

    cols = columns(Invoice).replace('"number"', "NULL").replace('"status"', "'draft'")
    if spread_days:
        cols = cols.replace('"issued_on"', f'"issued_on" + (g %% {int(spread_days)})')
    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO activity_invoice ({columns(Invoice)}) SELECT {cols}
                           FROM activity_invoice, generate_series(1, %s) g WHERE id = %s""", [count, template_pk])
        cursor.execute(f"""INSERT INTO activity_invoiceline ({columns(InvoiceLine)})
                           SELECT {columns(InvoiceLine, "l.").replace('l."invoice_id"', "i.id")}
                           FROM activity_invoiceline l, activity_invoice i
                           WHERE l.invoice_id = %s AND i.status = 'draft' AND i.number IS NULL""", [template_pk])
        cursor.execute("UPDATE activity_invoice SET status = 'finalised', number = %s || lpad(id::text, 7, '0') "
                       "WHERE status = 'draft' AND number IS NULL", [prefix])
        cursor.execute("ANALYZE activity_invoice; ANALYZE activity_invoiceline")


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def peak_memory_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def machine() -> dict:
    import platform

    return {
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path
