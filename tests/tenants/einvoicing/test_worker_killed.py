"""A Celery worker killed mid-submission (SIGKILL, a real worker process on the real broker): the
platform took the flow, the worker never recorded it. Nothing is lost, nothing is sent twice: the
dead worker's database session releases the flow's lock, the sweeper picks the flow up when its
lease expires, and the next attempt finds it at the platform by its trackingId."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection, connections
from django.utils import timezone

from tenants.einvoicing.models import Exchange, Flow
from tenants.einvoicing.services import flow_submit, flows_due
from tests.conftest import tenant_context
from tests.tenants.einvoicing.conftest import connect
from tests.tenants.einvoicing.test_transport import queue_invoice

ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    """The server the tests use (DATABASE_URL, set by the devstack or by hand), with the test
    database's name: the worker must read what the test writes."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def _worker() -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="essaim.settings.test", DATABASE_URL=_database_url())
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "essaim", "worker", "--pool", "solo",
                             "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _at_platform(sandbox, client_id: str, tracking_id: str) -> list[dict]:
    return [f for f in sandbox.flows(client_id) if f.get("trackingId") == tracking_id]


def committed(fn):
    """Run `fn` in a thread of its own: its own database connection, outside the test's
    transaction, so that what it writes is committed and the worker process sees it."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_worker_killed_mid_submission_sends_nothing_twice(sandbox, world, db):
    def setup():
        connect(sandbox, world.cae_a)
        connect(sandbox, world.cae_b)
        with tenant_context(world.cae_a):
            return queue_invoice(world.cae_a, world.cae_b.siren)  # after its commit: the task is on the broker

    def after_the_kill():
        with tenant_context(world.cae_a):
            flow.refresh_from_db()
            assert flow.state == Flow.State.SUBMITTING and not flow.flow_id
            assert flow.pk not in flows_due()  # its lease is running: the sweeper waits
            # The lease runs out (LEASE_SECONDS): the sweeper's next attempt.
            Flow.objects.filter(pk=flow.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
            assert flow.pk in flows_due()
            again = flow_submit(flow_pk=flow.pk)  # the dead session's lock is gone
            assert again is not None and again.flow_id
            assert Exchange.objects.filter(flow=flow, operation="search").exists()

    sandbox.fault("slow_response", 1)
    worker = _worker()
    try:
        flow = committed(setup)
        client_a = f"essaim-{world.cae_a.slug}"
        deadline = time.monotonic() + 90
        while not _at_platform(sandbox, client_a, flow.tracking_id):
            assert worker.poll() is None, "the worker died on its own"
            assert time.monotonic() < deadline, "the worker never submitted the flow"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)  # the platform has it; the worker never hears back
        worker.wait(timeout=10)
        committed(after_the_kill)
        assert len(_at_platform(sandbox, client_a, flow.tracking_id)) == 1
        delivered = [f for f in sandbox.flows(f"essaim-{world.cae_b.slug}")
                     if f.get("flowType") == "SupplierInvoice" and flow.document_number in str(f)]
        assert len(delivered) == 1
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)

        def forget():
            for cooperative in (world.cae_a, world.cae_b):
                with tenant_context(cooperative):
                    _forget_einvoicing()

        committed(forget)


def _forget_einvoicing() -> None:
    """This test committed: leave the CAE's e-invoicing tables as the other tests expect them."""
    from tenants.einvoicing.models import LifecycleEvent, Payload, PlatformConnection

    Exchange.objects.all().delete()
    LifecycleEvent.objects.all().delete()
    Flow.objects.all().delete()
    Payload.objects.all().delete()
    PlatformConnection.objects.all().delete()
