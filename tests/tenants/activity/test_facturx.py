"""Factur-X: the EN 16931 XML of issued invoices and credit notes passes the profile's XSD, carries
the invoice's amounts to the cent and the French mentions; the PDF/A-3 embeds it; pages serve
both only to those who may see the invoice."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from facturx import get_facturx_xml_from_pdf, get_xml_namespaces, xml_check_xsd
from lxml import etree
from pypdf import PdfReader
from stdnum.fr import tva

from essaim.core.errors import AppError
from tenants.activity.facturx import invoice_facturx_data, invoice_facturx_xml, seller_vat_number
from tenants.activity.models import Invoice
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    invoice_html,
    invoice_pdf,
)
from tenants.activity.totals import compute_totals
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person, siren_from, siret_from

pytestmark = pytest.mark.django_db

NS = get_xml_namespaces("factur-x")
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
EXEMPTION = "Exonération de TVA, art. 261-4-4° a du CGI (formation professionnelle continue)"


@pytest.fixture
def docs(world):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        me = make_person(user=world.user("entrepreneur_a"))
        other = make_person(first_name="Paul", last_name="Autre", gender="M")
        siren = siren_from(33333333)
        company = make_customer(me, "Brasserie du Cygne SARL", siren=siren, siret=siret_from(siren),
                                vat_number=seller_vat_number(siren), delivery_address="Entrepôt, 4 rue Gambetta, Épernay")
        person = make_customer(me, "Jeanne Client", kind="individual", email="jeanne@exemple.fr")
        several = invoice_finalise(invoice=invoice_create_draft(entrepreneur=me, customer=company, lines=[
            LineInput("Conception graphique", "2.5", "333.33", "20.00", "jour"),
            LineInput("Impression brochures", "120", "1.27", "5.50"),
            LineInput("Livraison", "1", "45.10", "10.00"),
            LineInput("Livre", "3", "12.99", "5.50", "unité"),
            LineInput("Presse", "7", "1.33", "2.10"),
        ], purchase_order="BC-2026-117", acting_user=accounts_a), on=date(2026, 3, 2), acting_user=accounts_a)
        exempt = invoice_finalise(invoice=invoice_create_draft(entrepreneur=me, customer=person, lines=[
            LineInput("Formation InDesign (2 jours)", "14", "55.50", "0.00", "heure"),
            LineInput("Support de cours", "1", "20.00", "20.00"),
        ], exemption_mention=EXEMPTION, acting_user=accounts_a), on=date(2026, 3, 3), acting_user=accounts_a)
        note = invoice_finalise(invoice=credit_note_create(invoice=several, lines=[
            LineInput("Livraison non effectuée", "1", "45.10", "10.00"),
            LineInput("Remise conception", "0.5", "333.33", "20.00", "jour"),
        ], acting_user=accounts_a), on=date(2026, 3, 10), acting_user=accounts_a)
        theirs = invoice_finalise(invoice=invoice_create_draft(
            entrepreneur=other, customer=make_customer(other, "Client de Paul"),
            lines=[LineInput("Secret", "1", "999")], acting_user=accounts_a), on=date(2026, 3, 11),
                                  acting_user=accounts_a)
        draft = invoice_create_draft(entrepreneur=me, customer=company, lines=[LineInput("Devis", "1", "10")],
                                     acting_user=accounts_a)
    return {"several": several, "exempt": exempt, "note": note, "theirs": theirs, "draft": draft,
            "company": company}


def _xml(world, invoice) -> bytes:
    with tenant_context(world.cae_a):
        return invoice_facturx_xml(invoice=Invoice.objects.get(pk=invoice.pk), cooperative=world.cae_a)


def _tree(xml: bytes):
    return etree.fromstring(xml)


def _text(tree, path: str) -> str:
    found = tree.xpath(path, namespaces=NS)
    assert found, f"{path} missing"
    return found[0].text if hasattr(found[0], "text") else str(found[0])


@pytest.mark.parametrize("name", ["several", "exempt", "note"])
def test_xml_passes_the_en16931_xsd(world, docs, name):
    xml = _xml(world, docs[name])
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert _text(_tree(xml), "//rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") \
        == "urn:cen.eu:en16931:2017"


@pytest.mark.parametrize(
    "xpath",
    ["//rsm:ExchangedDocument/ram:TypeCode",  # BT-3, mandatory
     f"{SETTLEMENT}/ram:InvoiceCurrencyCode",  # BT-5, mandatory
     "//ram:ApplicableHeaderTradeDelivery",  # the delivery block, even when empty
     f"{SUMMATION}/ram:GrandTotalAmount"],  # BT-112, mandatory
)
def test_a_broken_xml_fails_the_xsd(world, docs, xpath):
    tree = _tree(_xml(world, docs["several"]))
    node = tree.xpath(xpath, namespaces=NS)[0]
    node.getparent().remove(node)
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        xml_check_xsd(etree.tostring(tree), flavor="factur-x", level="en16931")


@pytest.mark.parametrize("name", ["several", "exempt", "note"])
def test_amounts_equal_the_invoice_totals_to_the_cent(world, docs, name):
    invoice = docs[name]
    tree = _tree(_xml(world, invoice))
    # a credit note's amounts are positive in the XML: its type (381) carries the sign
    assert Decimal(_text(tree, f"{SUMMATION}/ram:TaxBasisTotalAmount")) == abs(invoice.total_excl_vat)
    assert Decimal(_text(tree, f"{SUMMATION}/ram:LineTotalAmount")) == abs(invoice.total_excl_vat)
    assert Decimal(_text(tree, f"{SUMMATION}/ram:TaxTotalAmount")) == abs(invoice.total_vat)
    assert Decimal(_text(tree, f"{SUMMATION}/ram:GrandTotalAmount")) == abs(invoice.total_incl_vat)
    assert Decimal(_text(tree, f"{SUMMATION}/ram:DuePayableAmount")) == abs(invoice.total_incl_vat)
    with tenant_context(world.cae_a):
        lines = list(Invoice.objects.get(pk=invoice.pk).lines.all())
    totals = compute_totals((line.quantity, line.unit_price, Decimal(line.vat_rate)) for line in lines)
    breakdown = {
        Decimal(t.findtext("ram:RateApplicablePercent", namespaces=NS)): (
            Decimal(t.findtext("ram:BasisAmount", namespaces=NS)),
            Decimal(t.findtext("ram:CalculatedAmount", namespaces=NS)))
        for t in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)}
    assert breakdown == {r.rate: (r.base, r.vat) for r in totals.by_rate}
    line_amounts = [Decimal(x.text) for x in tree.xpath(
        "//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        namespaces=NS)]
    assert line_amounts == [line.amount for line in lines]


def test_several_rates_are_broken_down_as_standard_rated(world, docs):
    tree = _tree(_xml(world, docs["several"]))
    taxes = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    assert [(t.findtext("ram:CategoryCode", namespaces=NS), t.findtext("ram:RateApplicablePercent", namespaces=NS))
            for t in taxes] == [("S", "20.00"), ("S", "10.00"), ("S", "5.50"), ("S", "2.10")]
    # 2.5 days × 333.33 = 833.325 → 833.33 (half up), VAT 20 % = 166.67
    assert _text(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:RateApplicablePercent='20.00']/ram:CalculatedAmount") \
        == "166.67"
    assert _text(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "BC-2026-117"
    assert tree.xpath("//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/"
                      "@unitCode", namespaces=NS) == ["DAY", "C62", "C62", "C62", "C62"]


def test_exemption_is_category_e_with_its_reason(world, docs):
    tree = _tree(_xml(world, docs["exempt"]))
    exempt = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='E']", namespaces=NS)
    assert len(exempt) == 1
    assert exempt[0].findtext("ram:ExemptionReason", namespaces=NS) == EXEMPTION
    assert exempt[0].findtext("ram:CalculatedAmount", namespaces=NS) == "0.00"
    assert exempt[0].findtext("ram:BasisAmount", namespaces=NS) == "777.00"
    assert exempt[0].findtext("ram:RateApplicablePercent", namespaces=NS) == "0.00"
    standard = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='S']", namespaces=NS)
    assert [s.findtext("ram:ExemptionReason", namespaces=NS) for s in standard] == [None]
    line_categories = tree.xpath("//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()",
                                 namespaces=NS)
    assert line_categories == ["E", "S"]


def test_credit_note_is_type_381_and_references_the_invoice(world, docs):
    tree = _tree(_xml(world, docs["note"]))
    assert _text(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert _text(tree, "//rsm:ExchangedDocument/ram:ID") == docs["note"].number
    ref = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert _text(tree, f"{ref}/ram:IssuerAssignedID") == docs["several"].number == "F2026-00001"
    assert _text(tree, f"{ref}/ram:FormattedIssueDateTime/qdt:DateTimeString") == "20260302"
    invoice_tree = _tree(_xml(world, docs["several"]))
    assert _text(invoice_tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert not invoice_tree.xpath(f"{SETTLEMENT}/ram:InvoiceReferencedDocument", namespaces=NS)


def test_parties_identifiers_and_french_mentions(world, docs):
    cae = world.cae_a
    tree = _tree(_xml(world, docs["several"]))
    seller = "//ram:SellerTradeParty"
    assert _text(tree, f"{seller}/ram:Name") == cae.legal_name
    assert _text(tree, f"{seller}/ram:SpecifiedLegalOrganization/ram:TradingBusinessName") == "Léa Martin"
    assert tree.xpath(f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']/text()",
                      namespaces=NS) == [cae.siren]
    address = _text(tree, f"{seller}/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']")
    assert address.startswith(cae.siren)
    assert _text(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == seller_vat_number(cae.siren)
    assert tva.is_valid(seller_vat_number(cae.siren))
    buyer = "//ram:BuyerTradeParty"
    siren = docs["company"].siren
    assert tree.xpath(f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']/text()",
                      namespaces=NS) == [siren]
    assert _text(tree, f"{buyer}/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']").startswith(siren)
    assert _text(tree, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == docs["company"].vat_number
    assert _text(tree, "//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:LineOne").startswith("Entrepôt")
    assert _text(tree, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    assert _text(tree, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") == "20260302"
    assert _text(tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") \
        == f"{docs['several'].due_on:%Y%m%d}"
    notes = {n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content", namespaces=NS)
             for n in tree.xpath("//rsm:ExchangedDocument/ram:IncludedNote", namespaces=NS)}
    assert set(notes) == {"PMT", "PMD", "AAB", "BAR"}
    assert "40 €" in notes["PMT"] and "12,00 %" in notes["PMD"] and "escompte" in notes["AAB"]
    assert notes["BAR"] == "B2B"


def test_an_individual_buyer_has_no_siren_and_is_b2c(world, docs):
    tree = _tree(_xml(world, docs["exempt"]))
    assert not tree.xpath("//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization", namespaces=NS)
    assert _text(tree, "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']") \
        == "jeanne@exemple.fr"
    assert _text(tree, "//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content") == "B2C"


def _issue_for(person, customer, description="Mise en page", amount="800"):
    return invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                         lines=[LineInput(description, "1", amount)],
                                                         acting_user=TEST_ACTOR),
                            acting_user=TEST_ACTOR)


def test_trading_name_and_bank_account_of_the_cae(world, docs, monkeypatch):
    """The activity's own trading name is the seller's BT-28; the CAE's IBAN and BIC are the
    payment means (SEPA transfer), and the XML still passes the XSD."""
    monkeypatch.setattr(world.cae_a, "iban", "FR7642559100000111111111145")
    monkeypatch.setattr(world.cae_a, "bic", "CCOPFRPP")
    with tenant_context(world.cae_a):
        person = docs["several"].entrepreneur
        person.trading_name = "Atelier Martin Graphisme"
        person.save(update_fields=["trading_name"])
        invoice = _issue_for(person, docs["company"])
    xml = _xml(world, invoice)
    xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = _tree(xml)
    assert _text(tree, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:TradingBusinessName") \
        == "Atelier Martin Graphisme"
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert _text(tree, f"{means}/ram:TypeCode") == "58"
    assert _text(tree, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == "FR7642559100000111111111145"
    assert _text(tree, f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == "CCOPFRPP"


def test_an_issued_document_keeps_what_it_said(world, docs, monkeypatch):
    """Parties and terms are frozen at issue: the CAE moving, the activity renaming itself or the
    penalty rate changing afterwards change neither the XML nor the printed document."""
    from tenants.activity.models import ActivitySettings

    before_xml = _xml(world, docs["several"])
    with tenant_context(world.cae_a):
        before_html = invoice_html(invoice=Invoice.objects.get(pk=docs["several"].pk), cooperative=world.cae_a)
    monkeypatch.setattr(world.cae_a, "address", "99 avenue Nouvelle")
    with tenant_context(world.cae_a):
        person = docs["several"].entrepreneur
        person.trading_name = "Nouveau nom"
        person.save(update_fields=["trading_name"])
        settings = ActivitySettings.current()
        settings.late_penalty_rate = Decimal("15.00")
        settings.save()
        after_html = invoice_html(invoice=Invoice.objects.get(pk=docs["several"].pk), cooperative=world.cae_a)
        draft_html = invoice_html(invoice=Invoice.objects.get(pk=docs["draft"].pk), cooperative=world.cae_a)
    assert _xml(world, docs["several"]) == before_xml
    assert after_html == before_html and "12,00 %" in after_html or "12.00 %" in after_html
    assert "99 avenue Nouvelle" not in after_html
    # A draft is not issued: it shows today's data.
    assert "99 avenue Nouvelle" in draft_html and "Nouveau nom" in draft_html


def test_without_an_iban_no_payment_means_is_sent(world, docs):
    tree = _tree(_xml(world, docs["several"]))
    assert not tree.xpath(f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS)


def test_a_draft_has_no_facturx(world, docs):
    with tenant_context(world.cae_a), pytest.raises(AppError) as err:
        invoice_facturx_data(invoice=docs["draft"], cooperative=world.cae_a)
    assert err.value.code == "facturx_needs_issued_document"


def test_pdf_is_pdfa3_and_embeds_the_xml(world, docs):
    with tenant_context(world.cae_a):
        note = Invoice.objects.get(pk=docs["note"].pk)
        pdf = invoice_pdf(invoice=note, cooperative=world.cae_a)
    filename, embedded = get_facturx_xml_from_pdf(BytesIO(pdf), check_xsd=True)
    assert filename == "factur-x.xml"
    assert embedded == _xml(world, docs["note"])
    reader = PdfReader(BytesIO(pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)
    assert re.search(r"fx:DocumentFileName(>|=\")factur-x.xml", xmp)
    assert re.search(r"fx:ConformanceLevel(>|=\")EN 16931", xmp)
    text = "".join(page.extract_text() for page in reader.pages)
    assert note.number in text and "Léa Martin" in text


# -- pages -------------------------------------------------------------------------------------

def test_pages_serve_pdf_and_xml_of_an_issued_invoice(world, docs):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    pk = docs["several"].pk
    pdf = me.get(f"/activite/factures/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert get_facturx_xml_from_pdf(BytesIO(pdf.content))[1] == _xml(world, docs["several"])
    xml = me.get(f"/activite/factures/{pk}/xml/")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert xml.content == _xml(world, docs["several"])
    assert f'{docs["several"].number}-factur-x.xml' in xml["Content-Disposition"]
    detail = me.get(f"/activite/factures/{pk}/").content.decode()
    assert f"/activite/factures/{pk}/xml/" in detail


def test_a_draft_prints_as_a_draft_without_xml(world, docs):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    pk = docs["draft"].pk
    pdf = me.get(f"/activite/factures/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = PdfReader(BytesIO(pdf.content))
    assert "BROUILLON" in reader.pages[0].extract_text()
    assert not reader.attachments
    assert me.get(f"/activite/factures/{pk}/xml/").status_code == 404


def test_an_entrepreneur_cannot_download_another_activitys_invoice(world, docs):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    pk = docs["theirs"].pk
    for suffix in ("pdf", "xml"):
        response = me.get(f"/activite/factures/{pk}/{suffix}/")
        assert response.status_code == 404 and b"Secret" not in response.content
    staff = client_for(world.cae_a, world.user("accounts_a"))
    assert staff.get(f"/activite/factures/{pk}/xml/").status_code == 200


def test_another_caes_user_gets_404(world, docs):
    client = client_for(world.cae_b, world.user("director_b"))
    for name in ("several", "note", "theirs"):
        for suffix in ("pdf", "xml"):
            response = client.get(f"/activite/factures/{docs[name].pk}/{suffix}/")
            assert response.status_code == 404
            assert b"Brasserie" not in response.content and b"Secret" not in response.content
