"""`python -m standins.pa_sandbox --host 127.0.0.1 --port 0 --db PATH [--refs DIR] [--admin-token T]`

Serves until SIGINT or SIGTERM. Once listening it prints one line, `PA_SANDBOX_READY http://HOST:PORT`,
on stdout (and nothing else there: whoever started it may stop reading); notes go to stderr."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .server import SandboxServer
from .service import Sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REFS = (REPO_ROOT / ".." / "shared" / "design" / "refs" / "einvoicing_fr").resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins.pa_sandbox",
                                     description="Sandbox approved platform (AFNOR XP Z12-013 1.3.0 subset).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--db", required=True, type=Path, help="SQLite file (created if absent)")
    parser.add_argument("--refs", type=Path, default=DEFAULT_REFS,
                        help="the official formats folder (xsd/cdar, xsd/flux10); default: %(default)s")
    parser.add_argument("--admin-token", default=os.environ.get("PA_SANDBOX_ADMIN_TOKEN", "sandbox"),
                        help="Bearer token of the /sandbox/ admin API")
    parser.add_argument("--token-ttl", type=int, default=3600, help="access token lifetime, in seconds")
    parser.add_argument("--verbose", action="store_true", help="log each request on stderr")
    args = parser.parse_args(argv)

    sandbox = Sandbox(db_path=args.db, refs=args.refs, admin_token=args.admin_token, token_ttl=args.token_ttl)
    missing = sandbox.schemas.missing()
    if missing:
        print(f"pa_sandbox: schemas not found ({', '.join(missing)}): those syntaxes are only checked "
              f"well-formed (refs: {args.refs})", file=sys.stderr)
    server = SandboxServer((args.host, args.port), sandbox, verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="pa-sandbox",
                               daemon=True)
    serving.start()
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    print(f"PA_SANDBOX_READY http://{host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
