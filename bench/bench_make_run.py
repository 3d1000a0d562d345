"""`make run` from a fresh clone to the first page served: seconds, cold and warm.

Clones the repository's HEAD into a temporary folder and runs `make run` there, as a newcomer
would: no DATABASE_URL, no broker, no settings module in the environment (only ESSAIM_PORT, a
free port). It polls http://localhost:<port>/healthz, then http://localhost:<port>/, until they
answer 200.

  cold  the first `make run` of the clone: Python venv, pip install, initdb of the embedded
        PostgreSQL, migrations, spare schemas, demo network, web server, worker and beat
  warm  a second `make run` in the same clone after the first was stopped (SIGTERM to its
        process group, then waiting for it to exit)

After each stop it checks that no `postgres` process is left running on the clone's data folder.
Phases are timestamped from what the run leaves behind (the venv's install stamp, the supervisor's
"PostgreSQL embarqué prêt" and "Essaim est prêt" lines).

Skip it with ESSAIM_BENCH_SKIP_MAKE_RUN=1 (it takes minutes). Time limit: 15 minutes in all.

    python bench/bench_make_run.py [--keep-clone]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import benchlib

ROOT = benchlib.ROOT
TIME_LIMIT = 15 * 60
# Variables a newcomer's shell would not have (make bench sets some of them for the benches).
STRIP_PREFIXES = ("DJANGO_", "ESSAIM_", "CELERY_", "MAKE", "MFLAGS", "VIRTUAL_ENV", "PYTHONPATH")
STRIP = {"DATABASE_URL", "CACHE_URL", "SENTRY_DSN", "PYTHONHOME"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in STRIP and not k.startswith(STRIP_PREFIXES)}
    # The bench's own venv must not be the interpreter `make` finds first.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["ESSAIM_PORT"] = str(port)
    return env


def http_status(url: str, host: str | None = None) -> int | None:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # follows redirects
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def postgres_on(pgdata: Path) -> list[int]:
    """PIDs of postgres processes whose command line names `pgdata`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres" in cmdline and str(pgdata) in cmdline:
            found.append(int(proc.name))
    return found


class Run:
    """One `make run`, in its own process group, its output collected with timestamps."""

    def __init__(self, clone: Path, port: int, log: Path, deadline: float) -> None:
        self.clone, self.port, self.deadline = clone, port, deadline
        self.marks: dict[str, float] = {}
        self.interpreter = ""  # what the Makefile picked (printed only when it builds the venv)
        self.lines: list[str] = []
        self.log = log.open("w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["make", "run"], cwd=clone, env=clean_env(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            elapsed = time.monotonic() - self.started
            self.log.write(f"[{elapsed:7.1f}] {line}")
            self.log.flush()
            self.lines.append(line)
            if line.startswith("Python : "):
                self.interpreter = line.split(":", 1)[1].strip()
            elif "PostgreSQL embarqué prêt" in line:
                self.marks.setdefault("database_ready_s", elapsed)
            elif "Essaim est prêt" in line:
                self.marks.setdefault("banner_s", elapsed)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait_for(self, name: str, url: str, host: str | None = None) -> float:
        stamp = self.clone / ".venv" / ".installed"
        while time.monotonic() < self.deadline:
            if "installed_s" not in self.marks and stamp.exists():
                self.marks["installed_s"] = self.elapsed()
            if self.proc.poll() is not None:
                tail = "".join(self.lines[-30:])
                raise RuntimeError(f"`make run` exited (code {self.proc.returncode}) before {url} answered:\n{tail}")
            if http_status(url, host) == 200:
                self.marks[name] = self.elapsed()
                return self.marks[name]
            time.sleep(0.2)
        raise TimeoutError(f"{url} did not answer 200 within the time limit")

    def stop(self) -> dict:
        """SIGTERM to the process group; wait for `make` to exit; check for leftover postgres."""
        pgdata = self.clone / ".data" / "pg"
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=max(5.0, min(120.0, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
            result = {"exited_cleanly": False}
        else:
            result = {"exited_cleanly": True}
        self.reader.join(timeout=5)
        self.log.close()
        left_now = postgres_on(pgdata)
        grace_deadline = time.monotonic() + 10
        left = left_now
        while left and time.monotonic() < grace_deadline:
            time.sleep(0.5)
            left = postgres_on(pgdata)
        result |= {
            "exit_code": code,
            "stop_seconds": round(time.monotonic() - started, 2),
            "postgres_left_at_exit": len(left_now),
            "postgres_left_after_10s": len(left),
            "postmaster_pid_file_left": (pgdata / "postmaster.pid").exists(),
        }
        for pid in left:  # never leave a stray server behind the bench
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        return result


def measure(clone: Path, label: str, deadline: float, logs: Path) -> dict:
    port = free_port()
    print(f"  {label}: make run on port {port}…", flush=True)
    run = Run(clone, port, logs / f"make_run_{label}.log", deadline)
    try:
        healthz = run.wait_for("healthz_s", f"http://localhost:{port}/healthz")
        home = run.wait_for("home_s", f"http://localhost:{port}/")
        # A CAE's page too (Host header: *.localhost need not resolve outside browsers).
        cae = run.wait_for("cae_page_s", f"http://127.0.0.1:{port}/connexion/", host=f"cesame.localhost:{port}")
    finally:
        stop = run.stop()
    result = {
        "seconds_to_first_page": round(home, 2),
        "seconds_to_healthz": round(healthz, 2),
        "seconds_to_cae_login_page": round(cae, 2),
        "phases_s": {k: round(v, 2) for k, v in sorted(run.marks.items(), key=lambda kv: kv[1])},
        "port": port,
        "interpreter": run.interpreter or "(existing .venv)",
        "stop": stop,
    }
    print(f"  {label}: first page after {home:.1f} s (healthz {healthz:.1f} s); stopped in "
          f"{stop['stop_seconds']} s, postgres left: {stop['postgres_left_at_exit']}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-clone", action="store_true", help="Keep the temporary clone for inspection.")
    args = parser.parse_args()
    if os.environ.get("ESSAIM_BENCH_SKIP_MAKE_RUN") == "1":
        print("bench_make_run: skipped (ESSAIM_BENCH_SKIP_MAKE_RUN=1).")
        return 0
    deadline = time.monotonic() + TIME_LIMIT
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="essaim-make-run-"))
    clone = tmp / "essaim"
    logs = benchlib.RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"make run bench: cloning {head[:10]} into {clone}", flush=True)
    payload: dict = {"name": "make_run", "date": benchlib.now_iso(), "commit": head}
    code = 0
    try:
        started = time.monotonic()
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
        payload["clone_seconds"] = round(time.monotonic() - started, 2)
        payload["cold"] = measure(clone, "cold", deadline, logs)
        payload["warm"] = measure(clone, "warm", deadline, logs)
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        payload["error"] = str(exc)
        print(f"make run bench failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        if not args.keep_clone:
            shutil.rmtree(tmp, ignore_errors=True)
    payload |= {
        "what": "seconds from `make run` in a fresh clone to http://localhost:<port>/ answering 200",
        "pip": {"find_links": os.environ.get("PIP_FIND_LINKS", ""), "pip_cache_present": Path.home().joinpath(".cache", "pip").exists()},
        "peak_memory_mb_of_bench_process": benchlib.peak_memory_mb(),
        **benchlib.machine(),
    }
    path = benchlib.write_result("make_run", payload)
    if "cold" in payload and "warm" in payload:
        print()
        print(f"{'run':>5} | {'first page':>10} | {'healthz':>8} | {'install':>8} | {'db ready':>8} | {'banner':>7}")
        for label in ("cold", "warm"):
            r = payload[label]
            ph = r["phases_s"]
            print(f"{label:>5} | {r['seconds_to_first_page']:>8.1f} s | {r['seconds_to_healthz']:>6.1f} s |"
                  f" {ph.get('installed_s', 0):>6.1f} s | {ph.get('database_ready_s', 0):>6.1f} s | {ph.get('banner_s', 0):>5.1f} s")
    print(f"→ {path.relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
