"""`make run`'s supervisor: the embedded PostgreSQL starts in the data folder, is reused, and stops
cleanly on SIGTERM or Ctrl-C, even repeated."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _postgres_for(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline):
            found.append(proc)
    return found


def _start(data_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["ESSAIM_DATA_DIR"] = str(data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "essaim.devstack", "db"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:  # blocks until the supervisor reports the database URL
        if line.startswith("postgresql://"):
            return proc
    raise AssertionError(f"the supervisor never reported a database (exit {proc.wait()})")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_embedded_postgres_stops_cleanly_on_repeated_signals(tmp_path, sig):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    proc = _start(data_dir)
    pgdata = data_dir / "pg"
    assert (pgdata / "PG_VERSION").exists()
    assert _postgres_for(pgdata), "postgres should be running"

    proc.send_signal(sig)
    proc.send_signal(sig)  # an impatient second Ctrl-C must not leave the server behind
    assert proc.wait(timeout=60) == 0
    assert not (pgdata / "postmaster.pid").exists(), "postgres was not shut down cleanly"
    assert not _postgres_for(pgdata)

    # The data directory is reused on the next run (no new initdb).
    version_file = (pgdata / "PG_VERSION").stat().st_mtime
    proc = _start(data_dir)
    assert (pgdata / "PG_VERSION").stat().st_mtime == version_file
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert not _postgres_for(pgdata)
