"""UBL 2.1 (EN 16931-3-2): the UBL document of an issued invoice or credit note passes the UBL 2.1
XSD and says what its CII twin says (totals, parties, notes, lines); credit notes are CreditNotes
referencing the invoice they correct; allowances and charges, reverse charge (AE), intra-community
supplies (K), an exemption (E) and the option for VAT on debits (BT-8) are written per the binding;
the XSD check accepts the official French examples and refuses what it should, a DOCTYPE unread."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from facturx import get_xml_namespaces
from lxml import etree

from essaim.core.errors import AppError
from tenants.activity.content import AdjustmentInput
from tenants.activity.en16931 import VAT_POINT_DATE_CODES
from tenants.activity.facturx import invoice_facturx_data, invoice_facturx_xml, seller_vat_number
from tenants.activity.models import Invoice
from tenants.activity.policy import vat_on_debits_set
from tenants.activity.services import LineInput, credit_note_create, invoice_finalise
from tenants.activity.ubl import (
    VAT_POINT_DATE_CODES_UBL,
    _safe_parser,
    invoice_ubl_xml,
    ubl_check_xsd,
    ubl_xml_from_data,
)
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person, siren_from, siret_from
from tests.tenants.activity.test_invoice_content import _issue

pytestmark = pytest.mark.django_db

UBL = {"inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
       "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
       "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
       "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
CII = get_xml_namespaces("factur-x")
SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr" / "samples" \
    / "invoices"
SAMPLE_FILES = ["UC1_F202500003_00-INV_20250701_UBL.xml", "UC5b_F202500011_00-CN_20250703_UBL.xml"]
ISSUE = date(2026, 3, 2)
IBAN, BIC = "FR7642559100000111111111145", "CCOPFRPP"
EXEMPTION = "TVA non applicable, art. 293 B du CGI"

SELLER = "//cac:AccountingSupplierParty/cac:Party"
BUYER = "//cac:AccountingCustomerParty/cac:Party"
TOTALS = "//cac:LegalMonetaryTotal"
SUBTOTAL = "/*/cac:TaxTotal/cac:TaxSubtotal"
CII_SUMMATION = "//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


@pytest.fixture
def parties(world):
    with tenant_context(world.cae_a):
        me = make_person(user=world.user("entrepreneur_a"))
        siren = siren_from(44444444)
        french = make_customer(me, "Brasserie du Cygne SARL", siren=siren, siret=siret_from(siren),
                               vat_number=seller_vat_number(siren))
        belgian = make_customer(me, "Atelier Bruxellois SPRL", country="BE", vat_number="BE0123456749",
                                billing_address="12 rue Haute", billing_postal_code="1000", billing_city="Bruxelles")
        person = make_customer(me, "Jeanne Client", kind="individual", email="jeanne@exemple.fr")
    return {"me": me, "french": french, "belgian": belgian, "person": person}


def _ubl(world, invoice, **kwargs) -> bytes:
    with tenant_context(world.cae_a):
        xml = invoice_ubl_xml(invoice=Invoice.objects.get(pk=invoice.pk), cooperative=world.cae_a, **kwargs)
    ubl_check_xsd(xml)  # invoice_ubl_xml has checked it already: checked again, independently of it
    return xml


def _cii(world, invoice, **kwargs):
    with tenant_context(world.cae_a):
        return etree.fromstring(invoice_facturx_xml(invoice=Invoice.objects.get(pk=invoice.pk),
                                                    cooperative=world.cae_a, **kwargs))


def _all(tree, path: str, ns=UBL) -> list[str]:
    return [node if isinstance(node, str) else node.text for node in tree.xpath(path, namespaces=ns)]


def _one(tree, path: str, ns=UBL) -> str:
    found = _all(tree, path, ns)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


def _error(call) -> AppError:
    with pytest.raises(AppError) as err:
        call()
    return err.value


# -- a plain B2B invoice, against its CII twin ---------------------------------------------------------

@pytest.mark.parametrize("buyer_address", ["", "directory"])
def test_a_b2b_invoice_says_what_its_cii_says(world, parties, buyer_address):
    french = parties["french"]
    invoice = _issue(world, french, [LineInput("Conception graphique", "2.5", "333.33", "20.00", "jour"),
                                     LineInput("Impression brochures", "120", "1.27", "5.50"),
                                     LineInput("Presse", "7", "1.33", "2.10")], purchase_order="BC-2026-117")
    address = f"{french.siren}_{french.siret}" if buyer_address else ""
    tree = etree.fromstring(_ubl(world, invoice, buyer_address=address))
    cii = _cii(world, invoice, buyer_address=address)

    assert tree.tag == f"{{{UBL['inv']}}}Invoice"
    assert _one(tree, "/inv:Invoice/cbc:InvoiceTypeCode") == "380"
    assert _one(tree, "/inv:Invoice/cbc:CustomizationID") == "urn:cen.eu:en16931:2017"
    assert _one(tree, "/inv:Invoice/cbc:ID") == invoice.number
    assert _one(tree, "/inv:Invoice/cbc:IssueDate") == "2026-03-02"
    assert _one(tree, "/inv:Invoice/cbc:DueDate") == invoice.due_on.isoformat()
    assert _one(tree, "//cac:OrderReference/cbc:ID") == "BC-2026-117"
    # totals: the CII's, which are the invoice's
    pairs = [(f"{TOTALS}/cbc:PayableAmount", f"{CII_SUMMATION}/ram:DuePayableAmount"),
             (f"{TOTALS}/cbc:TaxExclusiveAmount", f"{CII_SUMMATION}/ram:TaxBasisTotalAmount"),
             (f"{TOTALS}/cbc:TaxInclusiveAmount", f"{CII_SUMMATION}/ram:GrandTotalAmount"),
             (f"{TOTALS}/cbc:LineExtensionAmount", f"{CII_SUMMATION}/ram:LineTotalAmount"),
             ("/inv:Invoice/cac:TaxTotal/cbc:TaxAmount", f"{CII_SUMMATION}/ram:TaxTotalAmount")]
    for ubl_path, cii_path in pairs:
        assert _one(tree, ubl_path) == _one(cii, cii_path, CII), ubl_path
    assert Decimal(_one(tree, f"{TOTALS}/cbc:PayableAmount")) == invoice.total_incl_vat
    assert Decimal(_one(tree, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount")) == invoice.total_vat
    # every amount is in euros
    amounts = tree.xpath("//cbc:*[contains(local-name(), 'Amount')]", namespaces=UBL)
    assert amounts and {a.get("currencyID") for a in amounts} == {"EUR"}
    # VAT breakdown per rate: the CII's
    breakdown = [(_one(s, "cac:TaxCategory/cbc:Percent"), _one(s, "cbc:TaxableAmount"), _one(s, "cbc:TaxAmount"))
                 for s in tree.xpath(SUBTOTAL, namespaces=UBL)]
    assert breakdown == [(t.findtext("ram:RateApplicablePercent", namespaces=CII),
                          t.findtext("ram:BasisAmount", namespaces=CII),
                          t.findtext("ram:CalculatedAmount", namespaces=CII))
                         for t in cii.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
                                            namespaces=CII)]
    assert _all(tree, f"{SUBTOTAL}/cac:TaxCategory/cbc:ID") == ["S", "S", "S"]
    # the seller: the CAE's SIREN (0002) and SIRET (0009), as in the CII
    cii_seller = "//ram:SellerTradeParty"
    siren = _one(tree, f"{SELLER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0002']")
    assert siren == _one(cii, f"{cii_seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']", CII) \
        == world.cae_a.siren
    assert _one(tree, f"{SELLER}/cac:PartyIdentification/cbc:ID[@schemeID='0009']") \
        == _one(cii, f"{cii_seller}/ram:GlobalID[@schemeID='0009']", CII)
    assert _one(tree, f"{SELLER}/cbc:EndpointID[@schemeID='0225']") == siren
    assert _one(tree, f"{SELLER}/cac:PartyTaxScheme/cbc:CompanyID") == seller_vat_number(siren)
    assert _one(tree, f"{SELLER}/cac:PartyLegalEntity/cbc:RegistrationName") \
        == _one(cii, f"{cii_seller}/ram:Name", CII)
    assert _one(tree, f"{SELLER}/cac:PartyName/cbc:Name") \
        == _one(cii, f"{cii_seller}/ram:SpecifiedLegalOrganization/ram:TradingBusinessName", CII)
    # the buyer: its electronic address (BT-49, scheme 0225): the directory's when given, else its SIREN
    endpoint = _one(tree, f"{BUYER}/cbc:EndpointID[@schemeID='0225']")
    assert endpoint == _one(cii, "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']",
                            CII)
    assert endpoint == (address or french.siren)
    assert _one(tree, f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0002']") == french.siren
    assert _one(tree, f"{BUYER}/cac:PartyIdentification/cbc:ID[@schemeID='0009']") == french.siret
    # notes: BT-21 written #CODE# before BT-22, the French way; the BAR note says B2B, as the CII's
    notes = _all(tree, "/inv:Invoice/cbc:Note")
    assert "#BAR#B2B" in notes
    assert _one(cii, "//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content", CII) == "B2B"
    assert [n.split("#")[1] for n in notes] == _all(cii, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode",
                                                    CII)
    # lines: as many as the CII's, same amounts, quantities and units
    lines = tree.xpath("/inv:Invoice/cac:InvoiceLine", namespaces=UBL)
    assert len(lines) == len(cii.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=CII)) == 3
    assert [_one(line, "cbc:LineExtensionAmount") for line in lines] == _all(
        cii, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", CII)
    assert [(_one(line, "cbc:InvoicedQuantity"), _one(line, "cbc:InvoicedQuantity/@unitCode")) for line in lines] \
        == [("2.5", "DAY"), ("120", "C62"), ("7", "C62")]
    assert _all(tree, "//cac:InvoiceLine/cac:Item/cbc:Name") == ["Conception graphique", "Impression brochures",
                                                                  "Presse"]
    # no option for VAT on debits: no BT-8, no invoicing period
    assert not _all(tree, "//cac:InvoicePeriod")
    assert _one(tree, "//cac:Delivery/cbc:ActualDeliveryDate") == "2026-03-02"  # BT-72, the issue date


# -- credit notes ----------------------------------------------------------------------------------------

def test_a_credit_note_is_a_creditnote_referencing_the_invoice(world, parties, monkeypatch):
    monkeypatch.setattr(world.cae_a, "iban", IBAN)
    monkeypatch.setattr(world.cae_a, "bic", BIC)
    invoice = _issue(world, parties["french"], [LineInput("Conseil", "2", "450", "20.00", "jour"),
                                                LineInput("Livres", "3", "12.99", "5.50")])
    with tenant_context(world.cae_a):
        note = invoice_finalise(invoice=credit_note_create(invoice=invoice, acting_user=TEST_ACTOR),
                                on=date(2026, 3, 10), acting_user=TEST_ACTOR)
    xml = _ubl(world, note)
    tree = etree.fromstring(xml)
    assert tree.tag == f"{{{UBL['cn']}}}CreditNote"
    assert _one(tree, "/cn:CreditNote/cbc:CreditNoteTypeCode") == "381"
    assert not tree.xpath("//cbc:InvoiceTypeCode | //cac:InvoiceLine | /cn:CreditNote/cbc:DueDate", namespaces=UBL)
    reference = "/cn:CreditNote/cac:BillingReference/cac:InvoiceDocumentReference"
    assert (_one(tree, f"{reference}/cbc:ID"), _one(tree, f"{reference}/cbc:IssueDate")) == (invoice.number,
                                                                                           "2026-03-02")
    lines = tree.xpath("/cn:CreditNote/cac:CreditNoteLine", namespaces=UBL)
    assert [(_one(line, "cbc:CreditedQuantity"), _one(line, "cbc:LineExtensionAmount")) for line in lines] \
        == [("2", "900.00"), ("3", "38.97")]
    # positive amounts: the type carries the sign
    assert Decimal(_one(tree, f"{TOTALS}/cbc:PayableAmount")) == -note.total_incl_vat > 0
    assert Decimal(_one(tree, "/cn:CreditNote/cac:TaxTotal/cbc:TaxAmount")) == -note.total_vat
    # a CreditNote has no DueDate: BT-9 is the payment means' due date, beside the CAE's IBAN and BIC
    means = "/cn:CreditNote/cac:PaymentMeans"
    assert [_one(tree, f"{means}/cbc:{name}") for name in ("PaymentMeansCode", "PaymentDueDate")] \
        == ["58", note.due_on.isoformat()]
    assert _one(tree, f"{means}/cac:PayeeFinancialAccount/cbc:ID") == IBAN
    assert _one(tree, f"{means}/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == BIC


# -- allowances and charges ---------------------------------------------------------------------------

LINES = [LineInput("Développement", "3", "100.00", "20.00", "jour", allowance="30", allowance_reason="Remise fidélité",
                   allowance_code="95"),
         LineInput("Livres", "10", "12.50", "5.50", charge="4.50", charge_code="FC")]
ADJUSTMENTS = [AdjustmentInput("20", "Remise commerciale", "", "20.00"),
               AdjustmentInput("15", "", "FC", "20.00", is_charge=True)]


def _allowances(node) -> list[tuple]:
    return [(_one(ac, "cbc:ChargeIndicator"), _one(ac, "cbc:Amount"), _one(ac, "cbc:Amount/@currencyID"),
             (_all(ac, "cbc:AllowanceChargeReasonCode") or [""])[0], (_all(ac, "cbc:AllowanceChargeReason") or [""])[0])
            for ac in node.xpath("cac:AllowanceCharge", namespaces=UBL)]


def test_allowances_and_charges(world, parties):
    invoice = _issue(world, parties["french"], LINES, adjustments=ADJUSTMENTS)
    tree = etree.fromstring(_ubl(world, invoice))
    # document level (BG-20, BG-21), with their VAT category and rate
    assert _allowances(tree) == [("false", "20.00", "EUR", "", "Remise commerciale"),
                                 ("true", "15.00", "EUR", "FC", "Transport")]
    assert _all(tree, "/inv:Invoice/cac:AllowanceCharge/cac:TaxCategory/cbc:ID") == ["S", "S"]
    assert _all(tree, "/inv:Invoice/cac:AllowanceCharge/cac:TaxCategory/cbc:Percent") == ["20.00", "20.00"]
    # line level (BG-27, BG-28), inside each line, the line's net amount already net of them
    lines = tree.xpath("/inv:Invoice/cac:InvoiceLine", namespaces=UBL)
    assert [_allowances(line) for line in lines] == [[("false", "30.00", "EUR", "95", "Remise fidélité")],
                                                     [("true", "4.50", "EUR", "FC", "Transport")]]
    assert [_one(line, "cbc:LineExtensionAmount") for line in lines] == ["270.00", "129.50"]
    assert not tree.xpath("//cac:InvoiceLine/cac:AllowanceCharge/cac:TaxCategory", namespaces=UBL)
    # the totals (hand computed in test_invoice_content.py)
    assert [_one(tree, f"{TOTALS}/cbc:{name}") for name in (
        "LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "AllowanceTotalAmount", "ChargeTotalAmount",
        "PayableAmount")] == ["399.50", "394.50", "454.62", "20.00", "15.00", "454.62"]
    assert [(_one(s, "cac:TaxCategory/cbc:Percent"), _one(s, "cbc:TaxableAmount"), _one(s, "cbc:TaxAmount"))
            for s in tree.xpath(SUBTOTAL, namespaces=UBL)] == [("20.00", "265.00", "53.00"), ("5.50", "129.50", "7.12")]


# -- VAT categories and the VAT point date --------------------------------------------------------------

def test_services_to_an_eu_business_are_reverse_charged(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Conception graphique", "2", "450", "0.00", "jour")])
    tree = etree.fromstring(_ubl(world, invoice))
    category = f"{SUBTOTAL}/cac:TaxCategory"
    assert [_one(tree, f"{category}/cbc:{name}") for name in (
        "ID", "Percent", "TaxExemptionReasonCode", "TaxExemptionReason")] == [
        "AE", "0.00", "VATEX-EU-AE", "Autoliquidation"]
    assert _one(tree, f"{SUBTOTAL}/cbc:TaxAmount") == "0.00"
    assert _all(tree, "//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == ["AE"]
    assert _one(tree, f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID") == "BE0123456749"
    assert _one(tree, f"{BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "BE"
    assert "#BAR#B2BINT" in _all(tree, "/inv:Invoice/cbc:Note")


def test_goods_dispatched_to_an_eu_business_are_an_intra_community_supply(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Mobilier", "2", "600", "0.00")], operation="goods")
    tree = etree.fromstring(_ubl(world, invoice))
    category = f"{SUBTOTAL}/cac:TaxCategory"
    assert [_one(tree, f"{category}/cbc:{name}") for name in ("ID", "TaxExemptionReasonCode", "TaxExemptionReason")] \
        == ["K", "VATEX-EU-IC", "Exonération de TVA, article 262 ter I du CGI"]
    assert _all(tree, "//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == ["K"]
    # BR-IC-12: the country the goods go to
    assert _one(tree, "//cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode") == "BE"
    assert _one(tree, "/inv:Invoice/cbc:ProfileID") == "B1"


def test_an_exempt_invoice_to_an_individual(world, parties):
    invoice = _issue(world, parties["person"], [LineInput("Cours", "14", "55.50", "0.00", "heure")],
                     exemption_mention=EXEMPTION)
    tree = etree.fromstring(_ubl(world, invoice))
    category = f"{SUBTOTAL}/cac:TaxCategory"
    assert (_one(tree, f"{category}/cbc:ID"), _one(tree, f"{category}/cbc:TaxExemptionReason")) == ("E", EXEMPTION)
    assert not _all(tree, f"{category}/cbc:TaxExemptionReasonCode")
    assert _one(tree, f"{BUYER}/cbc:EndpointID[@schemeID='EM']") == "jeanne@exemple.fr"
    assert not tree.xpath(f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID", namespaces=UBL)
    assert "#BAR#B2C" in _all(tree, "/inv:Invoice/cbc:Note")
    assert _one(tree, "//cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode") == "HUR"


def test_the_option_for_vat_on_debits_and_the_invoicing_period(world, parties):
    with tenant_context(world.cae_a):
        vat_on_debits_set(on=True, valid_from=date(2026, 3, 1), acting_user=TEST_ACTOR)
    invoice = _issue(world, parties["french"], [LineInput("Maintenance février", "1", "300")],
                     period_start="2026-02-01", period_end="2026-02-28")
    tree = etree.fromstring(_ubl(world, invoice))
    cii = _cii(world, invoice)
    # BT-8: the invoice's date, 5 in CII (UNTDID 2475), 3 in UBL (UNTDID 2005)
    assert _one(cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:DueDateTypeCode", CII) == "5"
    period = "/inv:Invoice/cac:InvoicePeriod"
    assert [_one(tree, f"{period}/cbc:{name}") for name in ("StartDate", "EndDate", "DescriptionCode")] == [
        "2026-02-01", "2026-02-28", "3"]
    assert _one(tree, "//cac:Delivery/cbc:ActualDeliveryDate") == "2026-02-28"


def test_the_vat_point_date_table_covers_every_cii_code():
    assert set(VAT_POINT_DATE_CODES_UBL) == set(VAT_POINT_DATE_CODES.values())
    assert VAT_POINT_DATE_CODES_UBL == {"5": "3", "29": "35", "72": "432"}


def test_a_term_the_writer_does_not_map_is_refused_not_dropped(world, parties):
    invoice = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    with tenant_context(world.cae_a):
        data = invoice_facturx_data(invoice=Invoice.objects.get(pk=invoice.pk), cooperative=world.cae_a)
    ubl_check_xsd(ubl_xml_from_data(data))
    with pytest.raises(ValueError, match="BT-19"):
        ubl_xml_from_data(data | {"BT-19": "Compte 411"})
    with pytest.raises(ValueError, match="BT-154"):
        ubl_xml_from_data(data | {"BG-25": [data["BG-25"][0] | {"BT-154": "Détail"}]})


# -- the XSD check itself -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_the_official_examples_pass_the_check(name):
    if not SAMPLES.is_dir():
        pytest.skip(f"official French examples absent ({SAMPLES}): shared/design/refs/einvoicing_fr not laid here")
    ubl_check_xsd((SAMPLES / name).read_bytes())


@pytest.mark.parametrize("xpath", ["/inv:Invoice/cbc:IssueDate", "//cac:LegalMonetaryTotal/cbc:PayableAmount",
                                   "//cac:InvoiceLine/cac:Item"])
def test_an_invalid_document_is_refused(world, parties, xpath):
    invoice = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    tree = etree.fromstring(_ubl(world, invoice))
    node = tree.xpath(xpath, namespaces=UBL)[0]
    node.getparent().remove(node)
    err = _error(lambda: ubl_check_xsd(etree.tostring(tree)))
    assert err.code == "ubl_invalid" and "UBL-Invoice-2.1.xsd" in err.message and "ligne" in err.message
    # elements out of the XSD's order are refused too
    tree = etree.fromstring(_ubl(world, invoice))
    due = tree.xpath("/inv:Invoice/cbc:DueDate", namespaces=UBL)[0]
    tree.append(due)
    assert _error(lambda: ubl_check_xsd(etree.tostring(tree))).code == "ubl_invalid"


def test_what_is_not_a_ubl_invoice_is_refused(world, parties):
    invoice = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    cii = etree.tostring(_cii(world, invoice))
    err = _error(lambda: ubl_check_xsd(cii))
    assert err.code == "ubl_invalid" and "CrossIndustryInvoice" in err.message
    assert _error(lambda: ubl_check_xsd(b"<Invoice><unclosed></Invoice>")).code == "ubl_invalid"


def test_a_doctype_is_refused_unresolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CONTENU-SECRET-DU-SERVEUR")
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [\n  <!ENTITY ext SYSTEM "{secret.as_uri()}">\n'
           '  <!ENTITY internal "VALEUR-INTERNE">\n]>\n'
           f'<Invoice xmlns="{UBL["inv"]}" xmlns:cbc="{UBL["cbc"]}"><cbc:Note>&ext;&internal;</cbc:Note></Invoice>')
    err = _error(lambda: ubl_check_xsd(xml.encode()))
    assert err.code == "ubl_invalid" and "DOCTYPE" in err.message
    assert "CONTENU-SECRET" not in err.message and "VALEUR-INTERNE" not in err.message
    # the check's parser leaves both entities as references: nothing was read or expanded
    parsed = etree.tostring(etree.fromstring(xml.encode(), _safe_parser()))
    assert b"&ext;&internal;" in parsed and b"CONTENU-SECRET" not in parsed and b"VALEUR-INTERNE" not in parsed
    # a billion-laughs bomb is refused, never expanded (libxml2's amplification limit stops it first)
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + f']>\n<Invoice xmlns="{UBL["inv"]}">&i;</Invoice>')
    err = _error(lambda: ubl_check_xsd(bomb.encode()))
    assert err.code == "ubl_invalid" and "a" * 1000 not in err.message
