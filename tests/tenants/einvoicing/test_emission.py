"""Issuing through the platform, end to end against the sandbox process: CAE A issues to CAE B →
the statuses come back on A's invoice (page, list filter, API) → B receives the invoice; a buyer
absent from the directory is explained, not e-mailed; a refusal by the buyer reaches the
entrepreneur by e-mail; a payment on a service invoice sends 212 Encaissée."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from tenants.activity.emission import invoice_emit
from tenants.activity.models import Invoice, InvoiceEmission
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise, payment_record
from tenants.einvoicing.models import Flow, LifecycleEvent
from tenants.einvoicing.services import flow_submit, flows_sync
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person
from tests.tenants.einvoicing.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(sandbox, world, db):
    connect(sandbox, world.cae_a)
    connect(sandbox, world.cae_b)


def _issue(world, *, siren: str, amount: str = "1000.00", email: str = "lea@exemple.fr") -> Invoice:
    person = make_person(email=email, user=world.user("entrepreneur_a"))
    customer = make_customer(person, "Bêta SCOP", kind="company", siren=siren)
    draft = invoice_create_draft(entrepreneur=person, customer=customer, operation="services", acting_user=TEST_ACTOR,
                                 lines=[LineInput("Formation", Decimal("1"), Decimal(amount), "20.00")])
    return invoice_finalise(invoice=draft, on=date.today(), acting_user=TEST_ACTOR)


def _transmit(invoice: Invoice) -> InvoiceEmission:
    emission = invoice_emit(invoice_pk=invoice.pk, acting_user=TEST_ACTOR)
    assert emission.state == InvoiceEmission.State.QUEUED, emission.message
    flow_submit(flow_pk=emission.flow_id)
    flows_sync()
    emission.refresh_from_db()
    return emission


def test_issued_to_a_french_business_statuses_back_and_received(linked, world):
    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren)
        assert InvoiceEmission.objects.get(invoice=invoice).state == InvoiceEmission.State.PENDING
        emission = _transmit(invoice)
        assert emission.status == "203", emission.status
        flow = Flow.objects.get(pk=emission.flow_id)
        assert flow.document_key == f"invoice:{invoice.pk}" and flow.syntax == "CII"
        sent = bytes(flow.payload.content)
        assert invoice.number.encode() in sent
    director = client_for(world.cae_a, world.user("director_a"))
    page = director.get(f"/activite/factures/{invoice.pk}/").content.decode()
    assert "203 Mise à disposition" in page and "200 Déposée" in page
    listed = director.get("/activite/factures/?lifecycle=203").content.decode()
    assert invoice.number in listed
    assert invoice.number not in director.get("/activite/factures/?lifecycle=213").content.decode()
    with tenant_context(world.cae_b):
        flows_sync()
        received = Flow.objects.get(direction=Flow.Direction.IN, flow_type="SupplierInvoice",
                                    payload__sha256=flow.payload_id)
        assert bytes(received.payload.content) == sent


def test_buyer_absent_from_the_directory_is_explained_not_emailed(linked, world):
    with tenant_context(world.cae_a):
        invoice = _issue(world, siren="732829320")
        emission = invoice_emit(invoice_pk=invoice.pk, acting_user=TEST_ACTOR)
        assert emission.state == InvoiceEmission.State.BUYER_UNKNOWN and emission.flow_id is None
    assert not mail.outbox
    page = client_for(world.cae_a, world.user("director_a")).get(f"/activite/factures/{invoice.pk}/")
    assert "ne figure pas dans l'annuaire" in html.unescape(page.content.decode())


def test_a_refusal_by_the_buyer_reaches_the_entrepreneur(linked, world, django_capture_on_commit_callbacks):
    from tenants.einvoicing.cdar import CdarDocument, CdarMessage, CdarParty, CdarStatus, cdar_build
    from tenants.einvoicing.services import FlowInput, flow_queue

    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren, email="refus@exemple.fr")
        _transmit(invoice)
    with tenant_context(world.cae_b):
        flows_sync()
        from django.utils import timezone

        refusal = CdarMessage(
            message_id="REFUS-1", issued_at=timezone.now(), type_code="23",
            sender=CdarParty(role="BY", identifier=world.cae_b.siren, scheme="0002", name=world.cae_b.legal_name),
            recipients=(CdarParty(role="SE", identifier=world.cae_a.siren, scheme="0002",
                                  name=world.cae_a.legal_name),),
            document=CdarDocument(invoice_number=invoice.number, issue_date=invoice.issued_on, type_code="380",
                                  seller_siren=world.cae_a.siren, buyer_siren=world.cae_b.siren),
            statuses=(CdarStatus(code="210", sequence=1, issued_at=timezone.now(), reason_code="TX_TVA_ERR",
                                 reason_text="Taux de TVA erroné"),))
        status_flow = flow_queue(acting_user=TEST_ACTOR, data=FlowInput(
            content=cdar_build(refusal), name="refus.xml", syntax="CDAR", flow_type="SupplierInvoiceLC"))
        flow_submit(flow_pk=status_flow.pk)
    with tenant_context(world.cae_a), django_capture_on_commit_callbacks(execute=True):
        flows_sync()
        emission = InvoiceEmission.objects.get(invoice=invoice)
        assert emission.status == "210"
    sent = [m for m in mail.outbox if invoice.number in m.subject]
    assert len(sent) == 1 and sent[0].to == [world.user("entrepreneur_a").email]
    assert "210 Refusée" in sent[0].body and "Taux de TVA erroné" in sent[0].body


def test_payment_of_a_service_invoice_sends_212_with_amounts_per_rate(linked, world):
    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren, amount="1000.00")
        emission = _transmit(invoice)
        payment = payment_record(invoice=invoice, amount=Decimal("600.00"), received_on=date.today(),
                                 acting_user=TEST_ACTOR)
        status = payment.status_sent
        assert status.amounts == [{"rate": "20.00", "amount": "600.00"}]
        event = LifecycleEvent.objects.get(flow_id=emission.flow_id, code="212")
        assert event.amounts == [{"rate": "20.00", "amount": "600.00"}]
        flow_submit(flow_pk=status.flow_id)
        status.flow.refresh_from_db()
        assert status.flow.flow_id and status.flow.syntax == "CDAR"


def test_an_individual_is_not_transmitted(linked, world):
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Jeanne Client", kind="individual")
        draft = invoice_create_draft(entrepreneur=person, customer=customer, operation="services",
                                     acting_user=TEST_ACTOR,
                                     lines=[LineInput("Cours", Decimal("1"), Decimal("50.00"), "20.00")])
        invoice = invoice_finalise(invoice=draft, on=date.today(), acting_user=TEST_ACTOR)
        assert not InvoiceEmission.objects.filter(invoice=invoice).exists()


def test_statuses_in_the_accountants_api(linked, world):
    from api.keys.services import apikey_create

    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren)
        _transmit(invoice)
        _, raw = apikey_create(name="compta", scopes=["activity:read"], acting_user=world.user("director_a"))
    api = client_for(world.cae_a)
    body = api.get(f"/api/v1/invoices/{invoice.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["einvoicing_status"] == "203" and body["einvoicing_state"] == "queued"
    listed = api.get("/api/v1/invoices?einvoicing_status=203", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert [row["id"] for row in listed["results"]] == [invoice.pk]


def test_the_buyers_address_in_the_document_is_the_directorys(sandbox, world, db):
    """B receives only at 'SIREN_FACTURES' (a suffix line): the invoice says so (BT-49) and the
    platform routes it there."""
    connect(sandbox, world.cae_a)
    client_id, secret = sandbox.register(world.cae_b, directory=False)
    sandbox.admin("POST", "directory", json={"siren": world.cae_b.siren, "name": world.cae_b.name,
                                             "client_id": client_id, "suffix": "FACTURES"})
    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren)
        emission = _transmit(invoice)
        assert emission.buyer_address == f"{world.cae_b.siren}_FACTURES"
        sent = bytes(Flow.objects.get(pk=emission.flow_id).payload.content)
        assert f">{world.cae_b.siren}_FACTURES</ram:URIID>".encode() in sent
        assert emission.status == "203", emission.status


@pytest.mark.parametrize("syntax", ["UBL", "Factur-X"])
def test_the_syntax_the_cae_chose_is_the_one_sent(sandbox, world, db, syntax):
    connect(sandbox, world.cae_a, syntax=syntax)
    connect(sandbox, world.cae_b)
    with tenant_context(world.cae_a):
        invoice = _issue(world, siren=world.cae_b.siren)
        emission = _transmit(invoice)
        flow = Flow.objects.get(pk=emission.flow_id)
        sent = bytes(flow.payload.content)
        assert flow.syntax == syntax and emission.status == "203", emission.status
        if syntax == "UBL":
            assert b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" in sent
        else:
            assert sent.startswith(b"%PDF-")
    with tenant_context(world.cae_b):
        flows_sync()
        received = Flow.objects.get(direction=Flow.Direction.IN, flow_type="SupplierInvoice")
        assert bytes(received.payload.content) == sent and received.syntax == syntax
