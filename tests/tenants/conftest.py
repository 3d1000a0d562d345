"""Fixtures of the CAE apps' tests: the sandbox approved platform (standins/pa_sandbox) as a real
process, shared by the e-invoicing and purchase tests (tests/tenants/einvoicing/conftest.py has
its client and `connect`)."""

from __future__ import annotations

import secrets

import pytest

from tests.tenants.einvoicing.conftest import Sandbox


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory):
    from standins.pa_sandbox.process import start

    process = start(tmp_path_factory.mktemp("pa") / "sandbox.sqlite3", admin_token=secrets.token_urlsafe(16))
    try:
        yield Sandbox(url=process.url, admin_token=process.admin_token)
    finally:
        process.stop()


@pytest.fixture
def sandbox(sandbox_process):
    """The one sandbox process, emptied before each test: each test's database is rolled back,
    so the platform must forget the invoice numbers and flows too."""
    sandbox_process.reset()
    return sandbox_process
