"""Reading a received supplier invoice (tenants/purchases/reading.py): the official French examples
(../shared/design/refs/einvoicing_fr/samples/invoices, skipped, saying so, where that folder is
absent) read in CII, UBL and as a Factur-X PDF with the terms they carry, the CII and UBL twins alike;
hostile or broken input (XXE, billion laughs, 50 MB, a PDF without XML, malformed or XSD-invalid XML,
control characters, another document) is refused with its code and a French message, unread where it
must be. No database."""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.purchases import reading
from tenants.purchases.reading import MAX_BYTES, ReadError, ReceivedInvoice, VatLine, invoice_read

REFS = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr" / "samples"
SAMPLES = REFS / "invoices"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"exemples officiels de factures absents ({SAMPLES})")

UC1_CII, UC1_UBL = "UC1_F202500003_00-INV_20250701_CII.xml", "UC1_F202500003_00-INV_20250701_UBL.xml"
UC5B_CII, UC5B_UBL = "UC5b_F202500011_00-CN_20250703_CII.xml", "UC5b_F202500011_00-CN_20250703_UBL.xml"
SECRET = "secret-qui-ne-doit-jamais-sortir-7f3a"

# What the examples say (their comments name each term), the same for the CII and the UBL twin.
PARTIES = {"currency": "EUR", "seller_name": "LE VENDEUR", "seller_siren": "100000009", "seller_siret": "",
           "seller_vat": "FR88100000009", "seller_iban": "FR20 1254 2547 2569 8542 5874 698",
           "buyer_name": "LE CLIENT", "buyer_siren": "200000008", "buyer_address": "200000008",
           "buyer_reference": "BU_2516"}
EXPECTED = {
    "UC1": {**PARTIES, "type_code": "380", "number": "F202500003", "issue_date": date(2025, 7, 1),
            "due_date": date(2025, 7, 31), "total_excl_vat": Decimal("10000.00"), "total_vat": Decimal("2000.00"),
            "total_incl_vat": Decimal("12000.00"), "amount_due": Decimal("12000.00"),
            "vat_lines": (VatLine("S", Decimal("20.00"), Decimal("10000.00"), Decimal("2000.00")),)},
    "UC5b": {**PARTIES, "type_code": "381", "number": "F202500011", "issue_date": date(2025, 7, 3),
             "due_date": date(2025, 8, 2), "total_excl_vat": Decimal("10000.00"), "total_vat": Decimal("1000.00"),
             "total_incl_vat": Decimal("11000.00"), "amount_due": Decimal("11000.00"),
             "vat_lines": (VatLine("S", Decimal("10.00"), Decimal("10000.00"), Decimal("1000.00")),)},
}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def edited(name: str, old: str, new: str, *, first: bool = False) -> bytes:
    """A sample with one piece of its text replaced: the only one, or the `first` of several."""
    text = sample(name).decode("utf-8")
    assert text.count(old) == 1 or (first and old in text), old
    return text.replace(old, new, 1).encode("utf-8")


def refused(content: bytes, code: str, **kwargs) -> ReadError:
    with pytest.raises(ReadError) as caught:
        invoice_read(content, **kwargs)
    error = caught.value
    assert error.code == code, error.message
    assert error.status == 400
    return error


def pdf(xml: bytes | None = None) -> bytes:
    """A PDF/A-3 page, with `xml` embedded as Factur-X if given."""
    from weasyprint import HTML

    page = HTML(string="<p>Facture</p>").write_pdf(pdf_variant="pdf/a-3b")
    if xml is None:
        return page
    import facturx

    return facturx.generate_from_binary(page, xml, flavor="factur-x", level="en16931", check_xsd=False,
                                        lang="fr-FR")


def without(invoice: ReceivedInvoice, *names: str) -> dict:
    data = dataclasses.asdict(invoice)
    for name in names:
        data.pop(name)
    return data


@pytest.fixture
def parser_never_called(monkeypatch):
    """Make any XML parsing by the reader (and any PDF opening) fail the test: what is refused
    "before parsing" must be refused without it."""
    def boom(*args, **kwargs):
        raise AssertionError("the input was parsed")

    monkeypatch.setattr(reading.etree, "fromstring", boom)
    monkeypatch.setattr(reading, "_xml_from_pdf", boom)


# -- the official examples ------------------------------------------------------------------------------

@needs_samples
@pytest.mark.parametrize(("name", "case", "syntax"), [(UC1_CII, "UC1", "CII"), (UC1_UBL, "UC1", "UBL"),
                                                      (UC5B_CII, "UC5b", "CII"), (UC5B_UBL, "UC5b", "UBL")])
def test_official_example_reads_with_its_terms(name, case, syntax):
    content = sample(name)
    invoice = invoice_read(content, name=name)
    expected = EXPECTED[case]
    assert {field.name for field in dataclasses.fields(invoice)} == {*expected, "syntax", "xml"}
    assert invoice.syntax == syntax
    assert {term: getattr(invoice, term) for term in expected} == expected
    assert str(invoice.total_incl_vat) == str(expected["total_incl_vat"])  # as written, scale kept
    assert invoice.xml == content


@needs_samples
@pytest.mark.parametrize(("cii", "ubl"), [(UC1_CII, UC1_UBL), (UC5B_CII, UC5B_UBL)])
def test_cii_and_ubl_twins_say_the_same(cii, ubl):
    assert without(invoice_read(sample(cii)), "syntax", "xml") == without(invoice_read(sample(ubl)), "syntax", "xml")


@needs_samples
def test_factur_x_pdf_reads_its_embedded_cii():
    xml = sample(UC1_CII)
    invoice = invoice_read(pdf(xml), name="F202500003.pdf")
    assert invoice.syntax == "Factur-X"
    assert invoice.xml == xml
    assert without(invoice, "syntax") == without(invoice_read(xml), "syntax")


@needs_samples
def test_french_extended_guideline_is_checked_with_the_ctc_fr_xsd():
    content = edited(UC1_CII, "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
                     f"<ram:ID>{reading.GUIDELINE_EXTENDED_CTC_FR}</ram:ID>")
    root = reading._tree(content, "")
    assert reading._cii_level(root) == "extended-ctc-fr"
    assert invoice_read(content).number == "F202500003"


@needs_samples
@pytest.mark.parametrize(("guideline", "level"), [
    ("urn:cen.eu:en16931:2017", "en16931"),
    ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "extended"),
    ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", "basic"),
    ("urn:exemple:inconnu", "en16931"),
])
def test_guideline_picks_the_factur_x_level(guideline, level):
    root = reading._tree(edited(UC1_CII, "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
                                f"<ram:ID>{guideline}</ram:ID>"), "")
    assert reading._cii_level(root) == level


@needs_samples
def test_ctc_fr_guideline_falls_back_to_extended_without_its_xsd(monkeypatch):
    from facturx import facturx as facturx_module

    levels = {key: value for key, value in facturx_module.FACTURX_LEVEL2xsd.items() if key != "extended-ctc-fr"}
    monkeypatch.setattr(facturx_module, "FACTURX_LEVEL2xsd", levels)
    root = reading._tree(edited(UC1_CII, "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
                                f"<ram:ID>{reading.GUIDELINE_EXTENDED_CTC_FR}</ram:ID>"), "")
    assert reading._cii_level(root) == "extended"


@needs_samples
def test_siret_only_gives_the_siren():
    content = edited(UC1_CII, '<ram:ID schemeID="0002">100000009</ram:ID>',
                     '<ram:ID schemeID="0009">10000000900012</ram:ID>')
    invoice = invoice_read(content)
    assert (invoice.seller_siren, invoice.seller_siret) == ("100000009", "10000000900012")


# -- hostile and broken input ---------------------------------------------------------------------------

def xxe(target: str, *, encoding: str = "utf-8", padding: int = 0) -> bytes:
    comment = f"<!-- {'x' * padding} -->" if padding else ""
    text = (f'<?xml version="1.0" encoding="{encoding}"?>{comment}'
            f'<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY x SYSTEM "{target}">]>'
            f'<rsm:CrossIndustryInvoice xmlns:rsm="{reading.CII_RSM}"><rsm:ExchangedDocument>&x;'
            f"</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>")
    return text.encode(encoding)


def test_xxe_to_etc_passwd_is_refused_unparsed(parser_never_called):
    error = refused(xxe("file:///etc/passwd"), "purchase_doctype")
    assert "DOCTYPE" in error.message and "refusée" in error.message
    assert "root:" not in error.message


@pytest.mark.parametrize("variant", ["utf-8", "after a long prolog", "utf-16"])
def test_xxe_never_reads_the_secret(tmp_path, variant):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    content = {"utf-8": lambda: xxe(secret.as_uri()),
               "after a long prolog": lambda: xxe(secret.as_uri(), padding=10_000),
               "utf-16": lambda: xxe(secret.as_uri(), encoding="utf-16")}[variant]()
    error = refused(content, "purchase_doctype")
    assert SECRET not in error.message and SECRET not in str(error)


def test_billion_laughs_is_refused_unparsed(parser_never_called):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    content = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><lolz>&lol9;</lolz>'.encode()
    started = time.monotonic()
    error = refused(content, "purchase_doctype")
    assert time.monotonic() - started < 1
    assert "entité" in error.message


@pytest.mark.parametrize("head", [b"<?xml version='1.0'?><rsm:CrossIndustryInvoice>", b"%PDF-1.7\n"])
def test_50_mb_is_refused_before_parsing(parser_never_called, head):
    content = head + b" " * (50 * 1024 * 1024)
    started = time.monotonic()
    error = refused(content, "purchase_too_big", name="énorme.xml")
    assert time.monotonic() - started < 0.5
    assert "20 Mo" in error.message and "« énorme.xml »" in error.message


def test_just_above_the_limit_is_too_big_and_at_it_is_read_as_usual():
    chunk = b"<b/>" + b" " * 1020  # libxml2 refuses a single text run above 10 MB (huge_tree off)
    body = chunk * ((MAX_BYTES - 7) // len(chunk))
    at_limit = b"<a>" + body + b" " * (MAX_BYTES - 7 - len(body)) + b"</a>"
    assert len(at_limit) == MAX_BYTES
    refused(at_limit + b" ", "purchase_too_big")
    refused(at_limit, "purchase_unknown_syntax")  # parsed: its root is not an invoice


def test_pdf_without_xml_is_refused():
    error = refused(pdf(), "purchase_pdf_without_xml", name="scan.pdf")
    assert "ne contient pas de facture électronique" in error.message and "factur-x.xml" in error.message


def test_broken_pdf_is_malformed():
    error = refused(b"%PDF-1.7\nceci n'est pas un PDF", "purchase_malformed")
    assert error.message.startswith("PDF illisible")


@needs_samples
def test_pdf_carrying_ubl_is_not_a_factur_x():
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=BytesIO(pdf()))
    writer.add_attachment("factur-x.xml", sample(UC1_UBL))
    content = BytesIO()
    writer.write(content)
    error = refused(content.getvalue(), "purchase_unknown_syntax")
    assert "n'est pas une facture CII" in error.message


@needs_samples
def test_malformed_xml_gives_the_parser_message():
    content = sample(UC1_CII)
    error = refused(content[: len(content) // 2], "purchase_malformed")
    assert error.message.startswith("Facture illisible (XML mal formé) : ")
    assert "line" in error.message  # libxml2's own message, with its position


@needs_samples
@pytest.mark.parametrize(("name", "element"), [
    (UC1_CII, "<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>"),
    (UC1_UBL, "<cbc:IssueDate>2025-07-01</cbc:IssueDate>"),
])
def test_xsd_invalid_invoice_is_refused_with_its_first_error(name, element):
    error = refused(edited(name, element, ""), "purchase_xsd")
    assert "non conforme au schéma" in error.message
    assert "ligne" in error.message and "not expected" in error.message


@needs_samples
@pytest.mark.parametrize(("name", "old", "new"), [
    (UC1_CII, "<ram:Name>LE VENDEUR</ram:Name>", "<ram:Name>LE \x01VENDEUR</ram:Name>"),
    (UC1_CII, "<ram:Name>LE VENDEUR</ram:Name>", "<ram:Name>LE &#x7;VENDEUR</ram:Name>"),
    (UC1_UBL, "<cbc:RegistrationName>LE VENDEUR</cbc:RegistrationName>",
     "<cbc:RegistrationName>LE &#27;VENDEUR</cbc:RegistrationName>"),
])
def test_c0_control_character_in_the_seller_name_is_refused(name, old, new):
    error = refused(edited(name, old, new), "purchase_control_character")
    assert "caractère de contrôle interdit" in error.message


@needs_samples
@pytest.mark.parametrize("name", [UC1_CII, UC1_UBL])
def test_c1_control_character_in_a_term_is_refused_naming_it(name):
    old, new = {UC1_CII: ("<ram:Name>LE VENDEUR</ram:Name>", "<ram:Name>LE \u0085VENDEUR</ram:Name>"),
                UC1_UBL: ("<cbc:RegistrationName>LE VENDEUR</cbc:RegistrationName>",
                          "<cbc:RegistrationName>LE \u0085VENDEUR</cbc:RegistrationName>")}[name]
    error = refused(edited(name, old, new), "purchase_control_character")
    assert error.field == "seller_name"
    assert "nom du vendeur (BT-27)" in error.message


@needs_samples
def test_tab_and_newlines_are_not_control_characters():
    content = edited(UC1_CII, "<ram:Name>LE VENDEUR</ram:Name>", "<ram:Name>LE&#9;VENDEUR&#10;SARL</ram:Name>")
    assert invoice_read(content).seller_name == "LE\tVENDEUR\nSARL"


@pytest.mark.parametrize("content", [
    pytest.param(None, id="cdar"),
    pytest.param(b"<facture><numero>1</numero></facture>", id="random-root"),
    pytest.param(b'<Invoice xmlns="urn:example:not-ubl"/>', id="foreign-invoice"),
    pytest.param(b"numero;montant\nF1;100\n", id="csv"),
])
def test_other_documents_are_an_unknown_syntax(content):
    if content is None:
        cdar = sorted((REFS / "cdar").glob("*.xml"))
        if not cdar:
            pytest.skip(f"exemples CDAR officiels absents ({REFS / 'cdar'})")
        content = cdar[0].read_bytes()
    error = refused(content, "purchase_unknown_syntax")
    assert error.message.startswith("Ce ")


@needs_samples
@pytest.mark.parametrize(("name", "old", "new", "field", "label"), [
    (UC1_UBL, "<cbc:RegistrationName>LE VENDEUR</cbc:RegistrationName>", "", "seller_name", "nom du vendeur (BT-27)"),
    (UC1_UBL, '<cbc:TaxInclusiveAmount currencyID="EUR">12000.00</cbc:TaxInclusiveAmount>', "", "total_incl_vat",
     "montant total TTC (BT-112)"),
    (UC1_CII, "<ram:ID>F202500003</ram:ID>", "<ram:ID> </ram:ID>", "number", "numéro de facture (BT-1)"),
])
def test_mandatory_term_missing_is_named(name, old, new, field, label):
    error = refused(edited(name, old, new), "purchase_field_missing")
    assert error.field == field
    assert f"Champ obligatoire absent : {label}" in error.message


@needs_samples
@pytest.mark.parametrize(("name", "old", "new"), [
    (UC1_CII, '<udt:DateTimeString format="102">20250701</udt:DateTimeString>',
     '<udt:DateTimeString format="102">2025-07-01</udt:DateTimeString>'),
    (UC1_CII, '<udt:DateTimeString format="102">20250701</udt:DateTimeString>',
     '<udt:DateTimeString format="102">20250231</udt:DateTimeString>'),
])
def test_date_not_in_its_format_is_malformed(name, old, new):
    error = refused(edited(name, old, new), "purchase_malformed")
    assert "date d'émission (BT-2)" in error.message and "format 102" in error.message


@needs_samples
def test_unknown_vat_category_is_malformed():
    # The first category in the UBL is the VAT breakdown's (cac:TaxTotal comes before the lines).
    content = edited(UC1_UBL, "<cbc:ID>S</cbc:ID>", "<cbc:ID>ZZ</cbc:ID>", first=True)
    error = refused(content, "purchase_malformed")
    assert "Catégorie de TVA inconnue" in error.message


@settings(max_examples=60, deadline=None)
@given(head=st.sampled_from([b"", b"<", b"<?xml version='1.0'?>", b"%PDF-", b"\xff\xfe<\x00"]),
       body=st.binary(max_size=512))
def test_any_bytes_give_a_read_error_or_an_invoice(head, body):
    try:
        invoice_read(head + body)
    except ReadError as error:
        assert error.code.startswith("purchase_") and error.message
