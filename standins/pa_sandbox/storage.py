"""SQLite storage: one file in WAL mode, one connection per thread (each HTTP connection is served
by its own thread), writes in `BEGIN IMMEDIATE` transactions so that the checks made inside one
(idempotency, duplicates) see every earlier write. Every query is a constant string with
parameters."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL, name TEXT NOT NULL, siren TEXT NOT NULL,
    created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS directory_lines (
    addressing_identifier TEXT PRIMARY KEY, siren TEXT NOT NULL, siret TEXT, routing_code TEXT, suffix TEXT,
    name TEXT NOT NULL, client_id TEXT NOT NULL, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS directory_lines_siren ON directory_lines (siren);
CREATE INDEX IF NOT EXISTS directory_lines_siret ON directory_lines (siret);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY, seller_client TEXT NOT NULL, seller_siren TEXT NOT NULL, seller_name TEXT NOT NULL,
    seller_address TEXT NOT NULL, number TEXT NOT NULL, issue_date TEXT NOT NULL, issue_year TEXT NOT NULL,
    type_code TEXT NOT NULL, buyer_siren TEXT NOT NULL, buyer_name TEXT NOT NULL, buyer_address TEXT NOT NULL,
    buyer_client TEXT, deposited INTEGER NOT NULL, last_status TEXT, created_us INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS invoices_deposited_once
    ON invoices (seller_siren, number, issue_year) WHERE deposited = 1;
CREATE INDEX IF NOT EXISTS invoices_number ON invoices (seller_siren, number);
CREATE TABLE IF NOT EXISTS flows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    origin TEXT NOT NULL, tracking_id TEXT, name TEXT NOT NULL, processing_rule TEXT NOT NULL,
    processing_rule_source TEXT NOT NULL, flow_syntax TEXT NOT NULL, flow_profile TEXT NOT NULL,
    flow_type TEXT NOT NULL, flow_direction TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    content_type TEXT NOT NULL, submitted_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,
    ack_status TEXT NOT NULL, ack_details TEXT, invoice_id INTEGER, status_code TEXT, reason_code TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS flows_tracking ON flows (client_id, tracking_id) WHERE tracking_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS flows_client_order ON flows (client_id, updated_us, seq);
CREATE INDEX IF NOT EXISTS flows_invoice ON flows (invoice_id);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY, invoice_id INTEGER NOT NULL, code TEXT NOT NULL, reason_code TEXT,
    origin TEXT NOT NULL, flow_id TEXT NOT NULL, at_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS statuses_invoice ON statuses (invoice_id);
"""


class Storage:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._clock_lock = threading.Lock()
        self._open: set[sqlite3.Connection] = set()
        self._open_lock = threading.Lock()
        conn = self.connection()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        row = conn.execute("SELECT coalesce(max(updated_us), 0) FROM flows").fetchone()
        self._last_us = int(row[0])

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._open_lock:
                self._open.add(conn)
        return conn

    def release(self) -> None:
        """Close this thread's connection (its HTTP connection is over)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._open_lock:
                self._open.discard(conn)
            conn.close()

    def close(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.close()
            except sqlite3.ProgrammingError:
                pass  # in use by a thread being torn down: its process is exiting

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def reset(self) -> None:
        """Forget every client, token, directory line, invoice, flow and status (the admin API's
        reset, between tests). The clock keeps going forward."""
        with self.write() as conn:
            for statement in ("DELETE FROM statuses", "DELETE FROM flows", "DELETE FROM invoices",
                              "DELETE FROM blobs", "DELETE FROM directory_lines", "DELETE FROM tokens",
                              "DELETE FROM clients"):
                conn.execute(statement)

    def tick(self) -> int:
        """A timestamp in microseconds, strictly after every one given before: flows are ordered
        by it, and a client polling with `updatedAfter` never misses one written later. Called
        inside write transactions, which commit in the order they take their timestamps."""
        with self._clock_lock:
            self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
            return self._last_us
