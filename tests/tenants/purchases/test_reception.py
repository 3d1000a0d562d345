"""Supplier invoices received through the sandbox platform (a real process): a supplier on the
platform (CAE A's client, sending as any supplier would) sends CII, UBL and Factur-X invoices to
CAE B; they are read, routed by the activity's code (electronic address, else buyer reference)
or queued for the accounts team, attributed by hand (audited); duplicates and unreadable files are
kept apart with their reason; nobody outside sees them."""

from __future__ import annotations

import html
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from essaim.audit.models import AuditEntry
from essaim.core.errors import AppError
from tenants.einvoicing.models import Flow
from tenants.einvoicing.services import FlowInput, flow_queue, flow_submit, flows_sync
from tenants.purchases.models import RoutingCode, Supplier, SupplierInvoice
from tenants.purchases.reception import on_received
from tenants.purchases.services import routing_code_create
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_person
from tests.tenants.einvoicing.conftest import connect

REFS = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr"
SAMPLES = REFS / "samples" / "invoices"
CII = SAMPLES / "UC1_F202500003_00-INV_20250701_CII.xml"
UBL = SAMPLES / "UC1_F202500003_00-INV_20250701_UBL.xml"
pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not CII.exists(), reason=f"official samples absent ({REFS})")]
_numbers = itertools.count(1)


def _sample(path: Path, *, seller: str, buyer: str, address: str, number: str, reference: str = "BU_2516") -> bytes:
    """An official example re-addressed: from `seller` to `buyer`, at the electronic address
    `address` (BT-49), with its own number and buyer reference (BT-10)."""
    text = path.read_text(encoding="utf-8").replace("F202500003", number).replace("BU_2516", reference)
    text = text.replace(">200000008</ram:URIID>", f">{address}</ram:URIID>")
    text = text.replace('<cbc:EndpointID schemeID="0225">200000008<', f'<cbc:EndpointID schemeID="0225">{address}<')
    return text.replace("100000009", seller).replace("200000008", buyer).encode()


@pytest.fixture
def market(sandbox, world, db):
    """CAE A sells (its client on the platform is the supplier); CAE B buys, with an activity
    whose routing code is ATELIER, listed in the directory as B's SIREN_ATELIER."""
    connect(sandbox, world.cae_a)
    connect(sandbox, world.cae_b)
    sandbox.admin("POST", "directory", json={"siren": world.cae_b.siren, "name": world.cae_b.name,
                                             "client_id": f"essaim-{world.cae_b.slug}", "suffix": "ATELIER"})
    with tenant_context(world.cae_b):
        lea = make_person(first_name="Léa", last_name="Atelier", user=world.user("entrepreneur_b"))
        other = make_person(first_name="Paul", last_name="Voisin")
        routing_code_create(entrepreneur=lea, code="atelier", acting_user=TEST_ACTOR)
    return {"lea": lea, "other": other}


def _send(world, content: bytes, *, syntax: str, name: str, number: str = "") -> None:
    with tenant_context(world.cae_a):
        flow = flow_queue(acting_user=TEST_ACTOR, data=FlowInput(
            content=content, name=name, syntax=syntax, flow_type="CustomerInvoice", processing_rule="B2B",
            document_key=f"test:{name}", document_number=number, seller_siren=world.cae_a.siren))
        sent = flow_submit(flow_pk=flow.pk)
        assert sent.flow_id, sent.last_error
    with tenant_context(world.cae_b):
        flows_sync()


def _received(world) -> SupplierInvoice:
    with tenant_context(world.cae_b):
        return SupplierInvoice.objects.select_related("supplier", "entrepreneur").order_by("-pk").first()


@pytest.mark.parametrize("syntax", ["CII", "UBL", "Factur-X"])
def test_routed_by_the_activitys_address(market, world, syntax):
    number = f"S{next(_numbers):05d}"
    address = f"{world.cae_b.siren}_ATELIER"
    source = UBL if syntax == "UBL" else CII
    content = _sample(source, seller=world.cae_a.siren, buyer=world.cae_b.siren, address=address, number=number)
    name = f"{number}.xml"
    if syntax == "Factur-X":
        from facturx import generate_from_binary
        from weasyprint import HTML

        pdf = HTML(string=f"<p>Facture {number}</p>").write_pdf(pdf_variant="pdf/a-3b")
        content, name = generate_from_binary(pdf, content, flavor="factur-x", level="en16931", check_xsd=False), \
            f"{number}.pdf"
    _send(world, content, syntax=syntax, name=name)
    invoice = _received(world)
    assert invoice is not None and invoice.number == number, invoice and invoice.read_error
    assert invoice.state == SupplierInvoice.State.INBOX and invoice.entrepreneur == market["lea"]
    assert invoice.routed_by == SupplierInvoice.RoutedBy.ADDRESS and invoice.buyer_address == address
    assert invoice.total_incl_vat == Decimal("12000.00") and invoice.supplier.siren == world.cae_a.siren
    assert invoice.syntax == syntax
    # Léa sees it and its file; her neighbour and CAE A's people do not.
    lea = client_for(world.cae_b, world.user("entrepreneur_b"))
    assert number in lea.get("/achats/").content.decode()
    file = lea.get(f"/achats/{invoice.pk}/fichier")
    assert file.status_code == 200 and file.content == content


def test_buyer_reference_routes_when_the_address_has_no_code(market, world):
    number = f"R{next(_numbers):05d}"
    _send(world, _sample(CII, seller=world.cae_a.siren, buyer=world.cae_b.siren, address=world.cae_b.siren,
                         number=number, reference="ATELIER"), syntax="CII", name=f"{number}.xml")
    invoice = _received(world)
    assert invoice.entrepreneur == market["lea"] and invoice.routed_by == SupplierInvoice.RoutedBy.REFERENCE


def test_an_unknown_code_waits_for_the_accounts_team_who_assigns_it(market, world):
    number = f"U{next(_numbers):05d}"
    _send(world, _sample(CII, seller=world.cae_a.siren, buyer=world.cae_b.siren, address=world.cae_b.siren,
                         number=number, reference="INCONNU"), syntax="CII", name=f"{number}.xml")
    invoice = _received(world)
    assert invoice.state == SupplierInvoice.State.TO_ASSIGN and invoice.entrepreneur is None
    accounts = client_for(world.cae_b, world.user("accounts_b"))
    assert number in accounts.get("/achats/?state=to_assign").content.decode()
    # The entrepreneur does not see what is not routed to her.
    assert number not in client_for(world.cae_b, world.user("entrepreneur_b")).get("/achats/").content.decode()
    assert client_for(world.cae_b, world.user("entrepreneur_b")).get(f"/achats/{invoice.pk}/").status_code == 404
    # An entrepreneur cannot assign; the accounts team can, and it is audited.
    refused = client_for(world.cae_b, world.user("entrepreneur_b")).post(
        f"/achats/{invoice.pk}/attribuer/", {"entrepreneur": market["lea"].pk})
    assert refused.status_code == 403
    done = accounts.post(f"/achats/{invoice.pk}/attribuer/", {"entrepreneur": market["other"].pk})
    assert done.status_code == 302
    with tenant_context(world.cae_b):
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.INBOX and invoice.entrepreneur == market["other"]
        assert invoice.routed_by == SupplierInvoice.RoutedBy.HAND
        assert AuditEntry.objects.filter(action="purchases.invoice_assigned", target=f"supplier_invoice:{invoice.pk}",
                                         actor=world.user("accounts_b")).exists()


def _arrived(content: bytes, name: str = "recu.xml") -> SupplierInvoice:
    """A file as the transport stores what it receives, handed to the purchase side."""
    from tenants.einvoicing.client import payload_store

    flow = Flow.objects.create(direction=Flow.Direction.IN, flow_type="SupplierInvoice", syntax="CII", name=name,
                               payload=payload_store(content, "application/xml"), state=Flow.State.RECEIVED)
    return on_received(flow)


def test_the_same_invoice_twice_is_kept_as_a_duplicate(market, world):
    content = _sample(CII, seller=world.cae_a.siren, buyer=world.cae_b.siren, address=world.cae_b.siren,
                      number="D00001")
    with tenant_context(world.cae_b):
        first = _arrived(content)
        again = _arrived(content.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>380"), name="encore.xml")
        assert first.state == SupplierInvoice.State.TO_ASSIGN
        assert again.state == SupplierInvoice.State.DUPLICATE and again.duplicate_of == first
        assert "Doublon" in again.read_error
        assert Supplier.objects.count() == 1


@pytest.mark.parametrize(("content", "words"), [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "DOCTYPE"),
    (b"<rsm:CrossIndustryInvoice", ""),
    (b"%PDF-1.7\n%%EOF", ""),
])
def test_an_unreadable_file_is_kept_with_its_reason_and_nothing_else(market, world, content, words):
    with tenant_context(world.cae_b):
        invoice = _arrived(content)
        assert invoice.state == SupplierInvoice.State.UNREADABLE and invoice.read_error
        assert words in invoice.read_error
        assert invoice.supplier is None and not Supplier.objects.exists()
        assert "root:" not in invoice.read_error
    page = client_for(world.cae_b, world.user("accounts_b")).get("/achats/?state=unreadable")
    assert html.escape(invoice.read_error)[:40] in page.content.decode()


def test_nobody_outside_the_cae_gets_anything(market, world):
    content = _sample(CII, seller=world.cae_a.siren, buyer=world.cae_b.siren, address=world.cae_b.siren,
                      number="X00001")
    with tenant_context(world.cae_b):
        invoice = _arrived(content)
    for path in ("/achats/", f"/achats/{invoice.pk}/", f"/achats/{invoice.pk}/fichier", "/achats/codes/"):
        intruder = Client(HTTP_HOST=host_of(world.cae_b))
        intruder.force_login(world.user("director_a"))
        refused = intruder.get(path)
        assert refused.status_code in (302, 403) and b"X00001" not in refused.content, path
        assert client_for(world.cae_b).get(path).status_code == 302, path
    # CAE A's own site: B's invoice does not exist there.
    other = client_for(world.cae_a, world.user("director_a"))
    assert b"X00001" not in other.get("/achats/").content
    assert other.get(f"/achats/{invoice.pk}/fichier").status_code == 404


def test_routing_codes_are_the_finance_teams_to_give(market, world):
    accounts = client_for(world.cae_b, world.user("accounts_b"))
    page = accounts.get("/achats/codes/").content.decode()
    assert f"{world.cae_b.siren}_ATELIER" in page
    bad = accounts.post("/achats/codes/", {"entrepreneur": market["other"].pk, "code": "avec espace"})
    assert bad.status_code == 400 and "invalide" in html.unescape(bad.content.decode())
    taken = accounts.post("/achats/codes/", {"entrepreneur": market["other"].pk, "code": "Atelier"})
    assert taken.status_code == 400 and "déjà attribué" in html.unescape(taken.content.decode())
    assert accounts.post("/achats/codes/", {"entrepreneur": market["other"].pk, "code": "voisin"}).status_code == 302
    refused = client_for(world.cae_b, world.user("entrepreneur_b")).post(
        "/achats/codes/", {"entrepreneur": market["lea"].pk, "code": "MOI"})
    assert refused.status_code == 403
    with tenant_context(world.cae_b):
        assert sorted(RoutingCode.objects.values_list("code", flat=True)) == ["ATELIER", "VOISIN"]
    # An entrepreneur sees her own code, not her neighbour's.
    mine = client_for(world.cae_b, world.user("entrepreneur_b")).get("/achats/codes/").content.decode()
    assert f"{world.cae_b.siren}_ATELIER" in mine and "VOISIN" not in mine


def _routed(world, number: str) -> SupplierInvoice:
    """An invoice from CAE A to B's activity ATELIER, through the platform."""
    _send(world, _sample(CII, seller=world.cae_a.siren, buyer=world.cae_b.siren,
                         address=f"{world.cae_b.siren}_ATELIER", number=number), syntax="CII", name=f"{number}.xml",
          number=number)
    invoice = _received(world)
    assert invoice.number == number and invoice.state == SupplierInvoice.State.INBOX
    return invoice


def _status_back_at_the_supplier(world, number: str) -> str:
    """B's status reaches A through the platform, on A's outgoing flow of that invoice."""
    with tenant_context(world.cae_b):
        for flow in Flow.objects.filter(flow_type="SupplierInvoiceLC", state=Flow.State.QUEUED):
            assert flow_submit(flow_pk=flow.pk).flow_id
    with tenant_context(world.cae_a):
        flows_sync()
        return Flow.objects.get(direction=Flow.Direction.OUT, document_number=number).last_status


def test_approved_booked_and_the_supplier_told(market, world):
    from tenants.ledger.models import Entry

    invoice = _routed(world, "A00001")
    lea = client_for(world.cae_b, world.user("entrepreneur_b"))
    missing = lea.post(f"/achats/{invoice.pk}/decision/", {"decision": "approve"})
    assert missing.status_code == 302
    with tenant_context(world.cae_b):
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.INBOX and not Entry.objects.filter(journal="HA").exists()
    done = lea.post(f"/achats/{invoice.pk}/decision/", {"decision": "approve", "category": "software"})
    assert done.status_code == 302
    with tenant_context(world.cae_b):
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.APPROVED and invoice.status_sent == "205"
        entry = Entry.objects.get(journal="HA", source=f"supplier_invoice:{invoice.pk}")
        lines = {(line.account, line.debit, line.credit) for line in entry.lines.all()}
        assert lines == {("6512", Decimal("10000.00"), Decimal("0.00")), ("44566", Decimal("2000.00"), Decimal("0.00")),
                         ("401", Decimal("0.00"), Decimal("12000.00"))}
        assert entry.entrepreneur == market["lea"]
    assert _status_back_at_the_supplier(world, "A00001") == "205"
    # Decided once: a second decision (two tabs, two people) is refused and changes nothing.
    again = lea.post(f"/achats/{invoice.pk}/decision/", {"decision": "refuse", "reason_code": "TX_TVA_ERR"})
    assert again.status_code == 403
    from tenants.purchases.decisions import invoice_decide

    with tenant_context(world.cae_b), pytest.raises(AppError, match="déjà approuvée"):
        invoice_decide(invoice=invoice, decision="refuse", reason_code="TX_TVA_ERR", acting_user=TEST_ACTOR)
    with tenant_context(world.cae_b):
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.APPROVED
        assert Entry.objects.filter(journal="HA").count() == 1


def test_refused_with_a_reason_from_the_official_list(market, world):
    from tenants.purchases.decisions import invoice_decide

    invoice = _routed(world, "F00001")
    with tenant_context(world.cae_b):
        for reason, words in (("", "Indiquez le motif"), ("PAS_UN_MOTIF", "non admis")):
            with pytest.raises(AppError) as error:
                invoice_decide(invoice=invoice, decision="refuse", reason_code=reason, acting_user=TEST_ACTOR)
            assert words in error.value.message
        invoice_decide(invoice=invoice, decision="refuse", reason_code="TX_TVA_ERR", reason_text="Taux à 20 % attendu",
                       acting_user=TEST_ACTOR)
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.REFUSED and "TX_TVA_ERR" in invoice.decision_reason
    assert _status_back_at_the_supplier(world, "F00001") == "210"


def test_only_the_activity_or_the_finance_team_decides(market, world):
    invoice = _routed(world, "P00001")
    for user in ("counsellor_b",):
        response = client_for(world.cae_b, world.user(user)).post(
            f"/achats/{invoice.pk}/decision/", {"decision": "approve", "category": "software"})
        assert response.status_code == 403, user
    intruder = Client(HTTP_HOST=host_of(world.cae_b))
    intruder.force_login(world.user("entrepreneur_a"))
    assert intruder.post(f"/achats/{invoice.pk}/decision/", {"decision": "approve", "category": "software"}) \
        .status_code in (302, 403)
    with tenant_context(world.cae_b):
        invoice.refresh_from_db()
        assert invoice.state == SupplierInvoice.State.INBOX


@pytest.mark.parametrize(("query", "status"), [("entrepreneur=²", 200), ("amount=NaN", 200), ("amount=1e999", 200),
                                               ("amount=abc", 200), ("q=%00", 400)])
def test_odd_filters_are_an_answer_not_a_500(market, world, query, status):
    """An empty list, or the project's 400 for a NUL byte (refused before any view)."""
    response = client_for(world.cae_b, world.user("accounts_b")).get(f"/achats/?{query}")
    assert response.status_code == status
