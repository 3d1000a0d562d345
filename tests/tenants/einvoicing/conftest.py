"""The sandbox approved platform as a real process (standins/pa_sandbox), started once per session
on a free loopback port, and each test CAE registered in it as a platform client with its
directory line."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from essaim.cooperatives.models import Cooperative
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR


@dataclass
class Sandbox:
    url: str
    admin_token: str

    def admin(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = httpx.request(method, f"{self.url}/sandbox/{path.lstrip('/')}",
                                 headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=10, **kwargs)
        response.raise_for_status()
        return response

    def register(self, cooperative: Cooperative, *, directory: bool = True) -> tuple[str, str]:
        client_id = f"essaim-{cooperative.slug}"
        secret = f"secret-{cooperative.slug}-{secrets.token_hex(8)}"
        self.admin("POST", "clients", json={"client_id": client_id, "client_secret": secret,
                                            "name": cooperative.name, "siren": cooperative.siren})
        if directory:
            self.admin("POST", "directory", json={"siren": cooperative.siren, "name": cooperative.name,
                                                  "client_id": client_id})
        return client_id, secret

    def reset(self) -> None:
        self.admin("POST", "reset")

    def fault(self, mode: str, count: int) -> None:
        self.admin("POST", "faults", json={"mode": mode, "count": count})

    def flows(self, client_id: str) -> list[dict]:
        body = self.admin("GET", "flows", params={"client_id": client_id}).json()
        return body["flows"] if isinstance(body, dict) else body


def connect(sandbox: Sandbox, cooperative: Cooperative, *, directory: bool = True, syntax: str = "CII"):
    """Register `cooperative` in the sandbox and save its connection (in its schema). Returns the
    client secret, for the tests that check it never shows."""
    from tenants.einvoicing.services import ConnectionInput, connection_save

    client_id, secret = sandbox.register(cooperative, directory=directory)
    with tenant_context(cooperative):
        connection_save(acting_user=TEST_ACTOR, data=ConnectionInput(
            name="Bac à sable", flow_url=f"{sandbox.url}/flow-service", directory_url=f"{sandbox.url}/directory-service",
            token_url=f"{sandbox.url}/oauth/token", client_id=client_id, client_secret=secret, syntax=syntax))
    return secret
