"""`make run`, `make test` and `make bench` in one supervisor.

Starts the embedded PostgreSQL when DATABASE_URL is unset, prepares the database, then either
serves the demo network (web server, Celery worker and beat) or runs the test suite. Ctrl-C and
SIGTERM — even repeated — stop the children first, then the embedded server, cleanly.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from essaim.devdb import REPO_ROOT, data_dir, embedded_database_url, get_embedded_server

MANAGE = [sys.executable, str(REPO_ROOT / "manage.py")]
PORT = int(os.environ.get("ESSAIM_PORT", "8000"))


class Supervisor:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen] = []
        self.server = None
        self.stopping = False

    # -- database ---------------------------------------------------------------------------
    def ensure_database(self) -> None:
        if os.environ.get("DATABASE_URL"):
            print(f"Base de données : {_redact(os.environ['DATABASE_URL'])}")
            return
        started = time.monotonic()
        self.server = get_embedded_server(cleanup_mode="stop")
        os.environ["DATABASE_URL"] = embedded_database_url()
        print(f"PostgreSQL embarqué prêt en {time.monotonic() - started:.1f} s ({data_dir() / 'pg'})")

    def stop_database(self) -> None:
        if self.server is not None:
            self.server.cleanup()  # stops it if we hold the last handle; keeps the data directory
            self.server = None

    # -- children ---------------------------------------------------------------------------
    def spawn(self, args: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=REPO_ROOT, **kwargs)
        self.children.append(proc)
        return proc

    def stop_children(self, timeout: float = 10.0) -> None:
        for proc in self.children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # what Ctrl-C sends: warm shutdown for Celery
        deadline = time.monotonic() + timeout
        for proc in self.children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def install_signal_handlers(self) -> None:
        def handler(signum, frame):
            if self.stopping:
                return  # a second Ctrl-C must not interrupt the clean shutdown
            self.stopping = True
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def shutdown(self) -> None:
        self.stopping = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.stop_children()
        self.stop_database()


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def start_pa_sandbox(sup: Supervisor) -> None:
    """The sandbox approved platform (standins/pa_sandbox, docs/sandbox.md), a separate process on
    a free loopback port, started before the demo so that the demo registers its CAEs in it. Its
    address and admin token reach the web server and the workers through the environment, read by
    the local settings only (production settings never point at it)."""
    if os.environ.get("ESSAIM_PA_SANDBOX_URL"):
        return  # one already runs (set by hand)
    token = os.environ.setdefault("ESSAIM_PA_SANDBOX_ADMIN_TOKEN", secrets.token_urlsafe(24))
    proc = sup.spawn([sys.executable, "-m", "standins.pa_sandbox", "--host", "127.0.0.1",
                      "--port", os.environ.get("ESSAIM_PA_SANDBOX_PORT", "0"),
                      "--db", str(data_dir() / "pa_sandbox.sqlite3"), "--admin-token", token],
                     stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if line.startswith("PA_SANDBOX_READY "):
            os.environ["ESSAIM_PA_SANDBOX_URL"] = line.split(" ", 1)[1].strip()
            print(f"Plateforme agréée de test (bac à sable) : {os.environ['ESSAIM_PA_SANDBOX_URL']}")
            # Keep reading its output, or a full pipe would block it.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return
        if not line and proc.poll() is not None:
            break
    raise RuntimeError("La plateforme agréée de test (standins.pa_sandbox) n'a pas démarré.")


def cmd_run(sup: Supervisor, args: argparse.Namespace) -> int:
    sup.ensure_database()
    start_pa_sandbox(sup)
    subprocess.run([*MANAGE, "setup", "--demo-if-empty"], cwd=REPO_ROOT, check=True)
    sup.spawn([*MANAGE, "runserver", f"0.0.0.0:{PORT}"])
    celery = [sys.executable, "-m", "celery", "-A", "essaim"]
    sup.spawn([*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2"])
    sup.spawn([*celery, "beat", "--loglevel", "WARNING",
               "--schedule", str(data_dir() / "celerybeat-schedule")])
    print(banner())
    while True:
        for proc in sup.children:
            if proc.poll() is not None:
                print(f"Un processus s'est arrêté (code {proc.returncode}) : {' '.join(proc.args[1:4])}")
                return proc.returncode or 1
        time.sleep(0.5)


def banner() -> str:
    """The addresses and demo logins, printed by the demo app's own command: this supervisor sits
    in the core and knows nothing of the demo (the layers of docs/architecture.md)."""
    done = subprocess.run([*MANAGE, "demo_banner", "--port", str(PORT)], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)
    return done.stdout if done.returncode == 0 else f"Essaim est prêt : http://localhost:{PORT}/"


def cmd_test(sup: Supervisor, args: argparse.Namespace) -> int:
    sup.ensure_database()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="essaim.settings.test")
    proc = sup.spawn([sys.executable, "-m", "pytest", *args.rest], env=env)
    code = proc.wait()
    if code == 5:
        print("Aucun test n'a été collecté : une suite vide est une erreur.", file=sys.stderr)
        return 1
    return code


def cmd_bench(sup: Supervisor, args: argparse.Namespace) -> int:
    sup.ensure_database()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="essaim.settings.bench")
    code = 0
    for script in sorted((REPO_ROOT / "bench").glob("bench_*.py")):
        print(f"== {script.name}")
        proc = sup.spawn([sys.executable, str(script), *args.rest], env=env)
        code = proc.wait() or code
    return code


def cmd_db(sup: Supervisor, args: argparse.Namespace) -> int:
    """Start the embedded database and wait (used by the shutdown test and for psql sessions)."""
    sup.ensure_database()
    print(os.environ["DATABASE_URL"], flush=True)
    while True:
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="essaim.devstack")
    parser.add_argument("command", choices=["run", "test", "bench", "db"])
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.rest and args.rest[0] == "--":
        args.rest = args.rest[1:]
    Path(data_dir()).mkdir(exist_ok=True)
    sup = Supervisor()
    sup.install_signal_handlers()
    try:
        return {"run": cmd_run, "test": cmd_test, "bench": cmd_bench, "db": cmd_db}[args.command](sup, args)
    except KeyboardInterrupt:
        print("\nArrêt en cours…", flush=True)
        return 0
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    finally:
        sup.shutdown()


if __name__ == "__main__":
    sys.exit(main())
