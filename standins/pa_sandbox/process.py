"""Starting the sandbox as a real process (for tests and the dev supervisor) and talking to its
admin API.

    sandbox = start(tmp_path / "pa.sqlite3")
    admin = SandboxAdmin(sandbox.url, sandbox.admin_token)
    admin.client("essaim-alpha", "secret", name="CAE Alpha", siren="123456782")
    admin.directory(siren="123456782", name="CAE Alpha", client_id="essaim-alpha")
    ...
    sandbox.stop()
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = "PA_SANDBOX_READY "
# The admin token when none is given: the sandbox holds test data only, on the loopback.
DEFAULT_ADMIN_TOKEN = "sandbox"


class SandboxStartError(RuntimeError):
    pass


class SandboxProcess:
    def __init__(self, proc: subprocess.Popen, url: str, admin_token: str, db_path: Path):
        self._proc = proc
        self.url = url
        self.admin_token = admin_token
        self.db_path = db_path

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.poll() is None

    def admin(self) -> SandboxAdmin:
        return SandboxAdmin(self.url, self.admin_token)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it has not gone within `timeout`. Returns its exit code."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        return self._proc.returncode

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(db_path: Path | str, *, refs: Path | str | None = None, admin_token: str = DEFAULT_ADMIN_TOKEN,
          host: str = "127.0.0.1", port: int = 0, timeout: float = 30.0,
          extra_args: tuple[str, ...] = ()) -> SandboxProcess:
    """Spawn `python -m standins.pa_sandbox` and wait for its READY line."""
    db_path = Path(db_path)
    argv = [sys.executable, "-m", "standins.pa_sandbox", "--host", host, "--port", str(port), "--db", str(db_path),
            "--admin-token", admin_token, *extra_args]
    if refs is not None:
        argv += ["--refs", str(refs)]
    # Our own interpreter and module, with arguments given as a list (no shell).
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,  # noqa: S603
                            text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # read to the end, or a full pipe would block the server
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="pa-sandbox-stdout", daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=timeout)
            if line is None:
                raise SandboxStartError(f"the sandbox exited with code {proc.wait()} before it was ready")
            if line.startswith(READY):
                return SandboxProcess(proc, line[len(READY):].strip(), admin_token, db_path)
    except queue.Empty:
        proc.kill()
        proc.wait()
        raise SandboxStartError(f"the sandbox was not ready within {timeout} s") from None
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise


class SandboxAdmin:
    """The sandbox's own /sandbox/ API (not part of the standard)."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0):
        self.http = httpx.Client(base_url=url.rstrip("/") + "/sandbox", timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    def client(self, client_id: str, client_secret: str, *, name: str, siren: str) -> dict:
        return self._send("POST", "/clients", json={"client_id": client_id, "client_secret": client_secret,
                                                    "name": name, "siren": siren}).json()

    def directory(self, *, siren: str, name: str, client_id: str, siret: str | None = None,
                  routing_code: str | None = None, suffix: str | None = None) -> dict:
        body = {"siren": siren, "name": name, "client_id": client_id, "siret": siret, "routing_code": routing_code,
                "suffix": suffix}
        return self._send("POST", "/directory", json={key: value for key, value in body.items() if value}).json()

    def delete_directory(self, addressing_identifier: str) -> None:
        self._send("DELETE", f"/directory/{addressing_identifier}")

    def fault(self, mode: str, count: int) -> dict:
        return self._send("POST", "/faults", json={"mode": mode, "count": count}).json()

    def flows(self, client_id: str) -> list[dict]:
        return self._send("GET", "/flows", params={"client_id": client_id}).json()["flows"]

    def stats(self) -> dict:
        return self._send("GET", "/stats").json()
