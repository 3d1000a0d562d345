"""Lifecycle messages (CDAR D22B, XP Z12-012): the ones the sandbox issues as a platform, and
reading the ones its clients post.

The messages written here follow the official examples (`samples/cdar/`, UC1 200/202/203 and UC2
213): message type 305 (transmission status), sender and issuer in role WK, the seller as a
recipient (SIREN, scheme 0002, and its electronic address), the buyer where its address is known,
the tax authority's platform (DFH) for the statuses it receives (200, 213), the invoice number,
type and date (format 102), the seller's SIREN, and a sequence number on each status detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from . import codes
from .xmlcheck import CDAR_ROOT, NS, QDT, RAM, RSM_CDAR, UDT, XmlRefused

_NSMAP = {"qdt": QDT, "udt": UDT, "ram": RAM, "rsm": RSM_CDAR}
PPF_ID, PPF_NAME = "9998", "PPF"  # the tax authority's platform, as in the official examples
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"


@dataclass
class InvoiceRef:
    number: str
    issue_date: str  # YYYYMMDD
    type_code: str
    seller_siren: str
    seller_name: str
    seller_address: str
    buyer_siren: str = ""
    buyer_name: str = ""
    buyer_address: str = ""


def _el(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


def _datetime(parent: etree._Element, tag: str, when: datetime) -> None:
    _el(_el(parent, RAM, tag), UDT, "DateTimeString", when.strftime("%Y%m%d%H%M%S"), format="204")


def _party(parent: etree._Element, tag: str, *, role: str, global_id: str = "", scheme: str = "0002", name: str = "",
           address: str = "") -> None:
    party = _el(parent, RAM, tag)
    if global_id:
        _el(party, RAM, "GlobalID", global_id, schemeID=scheme)
    if name:
        _el(party, RAM, "Name", name)
    _el(party, RAM, "RoleCode", role)
    if address:
        _el(_el(party, RAM, "URIUniversalCommunication"), RAM, "URIID", address, schemeID="0225")


def platform_status(*, code: str, invoice: InvoiceRef, issued_at: datetime, received_at: datetime, name: str,
                    reason: str = "", note: str = "") -> bytes:
    """One transmission status (type 305) issued by the sandbox about `invoice`."""
    label, status_code = codes.STATUS_LABELS[code]
    type_code = invoice.type_code or "380"
    root = etree.Element(CDAR_ROOT, nsmap=_NSMAP)
    context = _el(root, RSM_CDAR, "ExchangedDocumentContext")
    _el(_el(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID", "REGULATED")
    _el(_el(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", GUIDELINE)

    document = _el(root, RSM_CDAR, "ExchangedDocument")
    stamp = issued_at.strftime("%Y%m%d%H%M%S")
    _el(document, RAM, "ID", f"{invoice.number}_{code}_{stamp}#{type_code}_{invoice.issue_date}")
    _el(document, RAM, "Name", name)
    _datetime(document, "IssueDateTime", issued_at)
    _party(document, "SenderTradeParty", role="WK")
    _party(document, "IssuerTradeParty", role="WK")
    _party(document, "RecipientTradeParty", role="SE", global_id=invoice.seller_siren, name=invoice.seller_name,
           address=invoice.seller_address or invoice.seller_siren)
    if invoice.buyer_address and code != "200":
        _party(document, "RecipientTradeParty", role="BY", global_id=invoice.buyer_siren, name=invoice.buyer_name,
               address=invoice.buyer_address)
    if code in ("200", "213"):
        _party(document, "RecipientTradeParty", role="DFH", global_id=PPF_ID, scheme="0238", name=PPF_NAME)

    acknowledgement = _el(root, RSM_CDAR, "AcknowledgementDocument")
    _el(_el(acknowledgement, RAM, "MultipleReferencesIndicator"), UDT, "Indicator", "false")
    _el(acknowledgement, RAM, "TypeCode", "305")
    _datetime(acknowledgement, "IssueDateTime", issued_at)
    reference = _el(acknowledgement, RAM, "ReferenceReferencedDocument")
    _el(reference, RAM, "IssuerAssignedID", invoice.number)
    if status_code:
        _el(reference, RAM, "StatusCode", status_code)
    _el(reference, RAM, "TypeCode", type_code)
    _datetime(reference, "ReceiptDateTime", received_at)
    _el(_el(reference, RAM, "FormattedIssueDateTime"), QDT, "DateTimeString", invoice.issue_date, format="102")
    _el(reference, RAM, "ProcessConditionCode", code)
    _el(reference, RAM, "ProcessCondition", label)
    _el(_el(reference, RAM, "IssuerTradeParty"), RAM, "GlobalID", invoice.seller_siren, schemeID="0002")
    if reason:
        status = _el(reference, RAM, "SpecifiedDocumentStatus")
        _el(status, RAM, "ReasonCode", reason)
        _el(status, RAM, "Reason", codes.REASON_TEXTS.get(reason, reason))
        _el(status, RAM, "SequenceNumeric", "1")
        if note:
            included = _el(status, RAM, "IncludedNote")
            _el(included, RAM, "Content", note[:1000])
            _el(included, RAM, "SubjectCode", "AHN")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass
class StatusDetail:
    number: str
    issue_date: str
    seller_siren: str
    code: str
    reasons: list[str] = field(default_factory=list)
    has_paid_amounts: bool = False  # BR-FR-CDV-14: a MEN characteristic with amount and rate


@dataclass
class StatusMessage:
    message_type: str  # MDT-77: 23 or 305
    sender_role: str  # MDT-21
    issuer_role: str  # MDT-40
    details: list[StatusDetail]


def _t(element: etree._Element, path: str) -> str:
    found = element.xpath(path, namespaces=NS)
    if not found:
        return ""
    value = found[0]
    return (value if isinstance(value, str) else (value.text or "")).strip()


def read(root: etree._Element) -> StatusMessage:
    if root.tag != CDAR_ROOT:
        raise XmlRefused("FlowTypeError", f"Racine {root.tag!r} : un message CDAR est attendu.")
    details = []
    for reference in root.xpath("cdar:AcknowledgementDocument/ram:ReferenceReferencedDocument", namespaces=NS):
        details.append(StatusDetail(
            number=_t(reference, "ram:IssuerAssignedID"),
            issue_date=_t(reference, "ram:FormattedIssueDateTime/qdt:DateTimeString"),
            seller_siren=_t(reference, "ram:IssuerTradeParty/ram:GlobalID[@schemeID='0002']"),
            code=_t(reference, "ram:ProcessConditionCode"),
            reasons=[(r.text or "").strip() for r in reference.xpath(
                "ram:SpecifiedDocumentStatus/ram:ReasonCode", namespaces=NS)],
            has_paid_amounts=bool(reference.xpath(
                "ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic[ram:TypeCode='MEN']"
                "[ram:ValueAmount and ram:ValuePercent]", namespaces=NS)),
        ))
    return StatusMessage(
        message_type=_t(root, "cdar:AcknowledgementDocument/ram:TypeCode"),
        sender_role=_t(root, "cdar:ExchangedDocument/ram:SenderTradeParty/ram:RoleCode"),
        issuer_role=_t(root, "cdar:ExchangedDocument/ram:IssuerTradeParty/ram:RoleCode"),
        details=details,
    )


def problems(message: StatusMessage) -> list[tuple[str, str]]:
    """The rules of the FNFE-MPE schematron that the sandbox checks on a posted status, as
    (acknowledgement reason code, message) pairs."""
    found: list[tuple[str, str]] = []
    if message.message_type != "23":
        found.append((codes.LC_STATUS_ERROR, f"type de message {message.message_type!r} : un client émet des statuts "
                                             "de traitement (MDT-77 = 23), le type 305 est réservé aux plateformes"))
    if not message.details:
        found.append((codes.LC_RULE_ERROR, "aucun document référencé (BR-FR-CDV-10)"))
    for detail in message.details:
        if not detail.number:
            found.append((codes.LC_RULE_ERROR, "numéro de facture absent (MDT-87, BR-FR-CDV-10)"))
        if not detail.issue_date:
            found.append((codes.LC_RULE_ERROR, "date de facture absente (MDG-35, BR-FR-CDV-11)"))
        if not detail.seller_siren:
            found.append((codes.LC_RULE_ERROR, "SIREN du vendeur absent (MDT-129, BR-FR-CDV-13)"))
        if detail.code not in codes.STATUS_CODES:
            found.append((codes.LC_STATUS_ERROR, f"code statut {detail.code!r} inconnu (BR-FR-CDV-CL-06)"))
        elif detail.code in codes.PLATFORM_STATUSES:
            found.append((codes.LC_STATUS_ERROR, f"le statut {detail.code} est émis par une plateforme"))
        problem = codes.reason_problem(detail.code, detail.reasons)
        if problem:
            found.append((codes.LC_RULE_ERROR, problem))
        if detail.code == "212" and not detail.has_paid_amounts:
            found.append((codes.LC_RULE_ERROR, "212 Encaissée sans montant encaissé par taux (MEN, BR-FR-CDV-14)"))
    return found
