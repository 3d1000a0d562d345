"""The e-invoicing transport against the sandbox platform as a real process: the connection and
its sealed secret, submission (idempotent, retried, never twice), statuses read back from CDAR
messages, invoices received, the trail of every call, the monthly archive."""

from __future__ import annotations

import csv
import hashlib
import itertools
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from essaim.audit.models import AuditEntry
from tenants.einvoicing.client import PlatformUnavailable
from tenants.einvoicing.models import Exchange, Flow, LifecycleEvent, Payload, PlatformConnection
from tenants.einvoicing.services import (
    FlowInput,
    connection_current,
    connection_test,
    directory_lookup,
    flow_queue,
    flow_submit,
    flows_sync,
)
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR
from tests.tenants.einvoicing.conftest import connect

REFS = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr"
SAMPLE = REFS / "samples" / "invoices" / "UC1_F202500003_00-INV_20250701_CII.xml"
pytestmark = [pytest.mark.django_db(transaction=False),
              pytest.mark.skipif(not SAMPLE.exists(), reason=f"official samples absent ({REFS})")]
_numbers = itertools.count(1)


def invoice_xml(*, seller: str, buyer: str, number: str) -> bytes:
    """The official CII example (XP Z12-014 annex B, UC1), re-addressed from `seller` to `buyer`."""
    text = SAMPLE.read_text(encoding="utf-8")
    return (text.replace("100000009", seller).replace("200000008", buyer).replace("F202500003", number)
            .encode())


def queue_invoice(cooperative, buyer_siren: str, number: str | None = None) -> Flow:
    number = number or f"T{next(_numbers):06d}"
    return flow_queue(acting_user=TEST_ACTOR, data=FlowInput(
        content=invoice_xml(seller=cooperative.siren, buyer=buyer_siren, number=number), name=f"{number}.xml",
        syntax="CII", flow_type="CustomerInvoice", processing_rule="B2B", document_key=f"test:{number}",
        document_number=number, seller_siren=cooperative.siren))


@pytest.fixture
def linked(sandbox, world, db):
    """CAE A and CAE B both connected to the sandbox and listed in its directory."""
    secret_a = connect(sandbox, world.cae_a)
    connect(sandbox, world.cae_b)
    return secret_a


def test_connection_secret_is_sealed_and_never_shown(linked, world, sandbox, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    with tenant_context(world.cae_a):
        conn = connection_current()
        assert linked not in conn.client_secret_sealed
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM einvoicing_platformconnection")
            assert linked not in repr(cursor.fetchall())
        tested = connection_test(acting_user=TEST_ACTOR)
        assert tested.test_ok, tested.test_message
        assert linked not in repr(conn)
        for payload in Payload.objects.all():
            assert linked.encode() not in bytes(payload.content)
        for entry in AuditEntry.objects.filter(action__startswith="einvoicing."):
            assert linked not in repr(entry.details)
    page = client_for(world.cae_a, world.user("director_a")).get("/facturation-electronique/")
    assert page.status_code == 200
    assert linked not in page.content.decode()
    assert "Connexion réussie" in page.content.decode()
    # Saved again through the form with a wrong URL: the page that answers does not echo it.
    director = client_for(world.cae_a, world.user("director_a"))
    answer = director.post("/facturation-electronique/", {
        "name": "PA", "flow_url": "http://pa.example.com/flow", "directory_url": f"{sandbox.url}/directory-service",
        "token_url": f"{sandbox.url}/oauth/token", "client_id": "x", "client_secret": "nouveau-secret-tres-long",
        "syntax": "CII"})
    assert answer.status_code == 400 and b"nouveau-secret-tres-long" not in answer.content
    assert linked not in caplog.text and "nouveau-secret-tres-long" not in caplog.text
    assert caplog.records, "nothing was logged: the check above proves nothing"


def test_wrong_secret_is_reported_in_french(sandbox, world, db):
    from tenants.einvoicing.services import ConnectionInput, connection_save

    sandbox.register(world.cae_a)
    with tenant_context(world.cae_a):
        connection_save(acting_user=TEST_ACTOR, data=ConnectionInput(
            name="Bac à sable", flow_url=f"{sandbox.url}/flow-service", directory_url=f"{sandbox.url}/directory-service",
            token_url=f"{sandbox.url}/oauth/token", client_id=f"essaim-{world.cae_a.slug}", client_secret="faux"))
        conn = connection_test(acting_user=TEST_ACTOR)
    assert conn.test_ok is False
    assert "refusé l'identifiant ou le secret" in conn.test_message


def test_plain_http_to_another_host_is_refused(world, db):
    from essaim.core.errors import AppError
    from tenants.einvoicing.services import ConnectionInput, connection_save

    with tenant_context(world.cae_a), pytest.raises(AppError) as refused:
        connection_save(acting_user=TEST_ACTOR, data=ConnectionInput(
            name="PA", flow_url="http://pa.example.com/flow", directory_url="https://pa.example.com/dir",
            token_url="https://pa.example.com/token", client_id="x", client_secret="y"))
    assert refused.value.field == "flow_url"
    with tenant_context(world.cae_a):
        assert not PlatformConnection.objects.exists()


def test_directory_lookup(linked, world):
    with tenant_context(world.cae_a):
        found = directory_lookup(siren=world.cae_b.siren)
        absent = directory_lookup(siren="732829320")
    assert found.found and found.addressing_identifier.startswith(world.cae_b.siren)
    assert not absent.found and "ne figure pas dans l'annuaire" in absent.message


def test_invoice_delivered_statuses_back_and_received(linked, world, sandbox):
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, world.cae_b.siren)
        sent = flow_submit(flow_pk=flow.pk)
        assert sent.state in (Flow.State.SUBMITTED, Flow.State.ACCEPTED) and sent.flow_id
        assert flows_sync() >= 1
        flow.refresh_from_db()
        codes = list(LifecycleEvent.objects.filter(flow=flow).values_list("code", flat=True))
        assert codes[:1] == ["200"] and "203" in codes, codes
        assert flow.last_status == "203"
        assert flow.state == Flow.State.ACCEPTED
        content = bytes(flow.payload.content)
        # Every call is in the trail; the token's answer is kept without the token.
        assert Exchange.objects.filter(flow=flow, operation="submit", status_code=202).count() == 1
        for exchange in Exchange.objects.filter(operation="token"):
            assert b"access_token" not in bytes(exchange.response_payload.content)
    with tenant_context(world.cae_b):
        flows_sync()
        received = Flow.objects.get(direction=Flow.Direction.IN, flow_type="SupplierInvoice",
                                    payload__sha256=flow.payload_id)
        assert bytes(received.payload.content) == content
        # Read twice, stored once.
        flows_sync()
        assert Flow.objects.filter(direction=Flow.Direction.IN, flow_type="SupplierInvoice").count() == 1


def test_buyer_absent_from_the_directory_is_rejected_with_a_reason(linked, world, sandbox):
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, "732829320")
        flow_submit(flow_pk=flow.pk)
        flows_sync()
        rejected = LifecycleEvent.objects.get(flow=flow, code="213")
    assert rejected.reason_code


def test_duplicate_invoice_is_rejected(linked, world):
    with tenant_context(world.cae_a):
        first = queue_invoice(world.cae_a, world.cae_b.siren, number="DUP-0001")
        flow_submit(flow_pk=first.pk)
        again = queue_invoice(world.cae_a, world.cae_b.siren, number="DUP-0001")
        flow_submit(flow_pk=again.pk)
        flows_sync()
        assert LifecycleEvent.objects.filter(flow__in=[first, again], code="213").exists()


def test_platform_down_then_up_nothing_lost_nothing_twice(linked, world, sandbox, settings):
    settings.EINVOICING_BACKOFF_SECONDS = 0.01
    sandbox.fault("unavailable", 50)
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, world.cae_b.siren)
        with pytest.raises(PlatformUnavailable):
            flow_submit(flow_pk=flow.pk)
        flow.refresh_from_db()
        assert flow.state == Flow.State.SUBMITTING and flow.next_attempt_at is not None and flow.last_error
    sandbox.fault("unavailable", 0)
    with tenant_context(world.cae_a):
        flow_submit(flow_pk=flow.pk)
        flow.refresh_from_db()
        assert flow.flow_id
    delivered = [f for f in sandbox.flows(f"essaim-{world.cae_b.slug}")
                 if f.get("flowType") == "SupplierInvoice" and flow.document_number in str(f)]
    assert len(delivered) == 1


def test_lost_answer_is_found_by_tracking_id_not_sent_again(linked, world, sandbox):
    """The platform took the flow but its answer was lost (or the worker died after sending): the
    next attempt finds it by trackingId instead of sending it again."""
    sandbox.fault("lost_response", 1)
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, world.cae_b.siren)
        with pytest.raises(PlatformUnavailable):
            flow_submit(flow_pk=flow.pk)
        flow.refresh_from_db()
        assert flow.state == Flow.State.SUBMITTING and not flow.flow_id
        flow_submit(flow_pk=flow.pk)
        flow.refresh_from_db()
        assert flow.flow_id
        assert Exchange.objects.filter(flow=flow, operation="submit").count() == 1
        assert Exchange.objects.filter(flow=flow, operation="search").count() == 1
    outgoing = [f for f in sandbox.flows(f"essaim-{world.cae_a.slug}") if f.get("trackingId") == flow.tracking_id]
    assert len(outgoing) == 1


def test_pages_refuse_other_caes_and_roles(linked, world):
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, world.cae_b.siren)
    for path in ("/facturation-electronique/", f"/facturation-electronique/flux/{flow.pk}/",
                 f"/facturation-electronique/flux/{flow.pk}/fichier", "/facturation-electronique/archive?mois=2026-12"):
        assert client_for(world.cae_a, world.user("accounts_a")).get(path).status_code == 200, path
        for user in ("entrepreneur_a", "counsellor_a"):
            assert client_for(world.cae_a, world.user(user)).get(path).status_code == 403, (path, user)
        # Anonymous on CAE A's site: sent to the login page.
        assert client_for(world.cae_a).get(path).status_code == 302, path
    # On CAE B's own site, CAE A's flow does not exist.
    other = client_for(world.cae_b, world.user("director_b"))
    assert other.get(f"/facturation-electronique/flux/{flow.pk}/").status_code == 404
    assert other.get(f"/facturation-electronique/flux/{flow.pk}/fichier").status_code == 404
    # A user of CAE B signed in on CAE A's site gets nothing of A.
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    for path in ("/facturation-electronique/", f"/facturation-electronique/flux/{flow.pk}/",
                 f"/facturation-electronique/flux/{flow.pk}/fichier", "/facturation-electronique/archive?mois=2026-12"):
        refused = intruder.get(path)
        assert refused.status_code in (302, 403) and flow.document_number.encode() not in refused.content, path
    assert intruder.post("/facturation-electronique/tester/").status_code in (302, 403)
    # Only the director changes the connection or tests it.
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    assert accounts.post("/facturation-electronique/tester/").status_code == 403


def test_month_archive_holds_every_flow_as_exchanged(linked, world, tmp_path):
    with tenant_context(world.cae_a):
        flow = queue_invoice(world.cae_a, world.cae_b.siren)
        flow_submit(flow_pk=flow.pk)
        flows_sync()
        month = f"{flow.created_at:%Y-%m}"
        count = Flow.objects.filter(created_at__year=flow.created_at.year, created_at__month=flow.created_at.month).count()
    call_command("einvoicing_export", cooperative=world.cae_a.slug, month=month, output=str(tmp_path))
    folder = tmp_path / f"echanges-{month}"
    rows = list(csv.DictReader((folder / "manifeste.csv").open(encoding="utf-8"), delimiter=";"))
    assert len(rows) == count
    for row in rows:
        assert hashlib.sha256((folder / row["fichier"]).read_bytes()).hexdigest() == row["sha256"]
    mine = next(row for row in rows if row["tracking_id"] == flow.tracking_id)
    assert (folder / mine["fichier"]).read_bytes() == bytes(flow.payload.content)
    assert {row["syntaxe"] for row in rows} >= {"CII", "CDAR"}
