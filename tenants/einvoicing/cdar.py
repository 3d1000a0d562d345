"""Lifecycle messages of the e-invoicing reform: UN/CEFACT CDAR D22B
(`rsm:CrossDomainAcknowledgementAndResponse`), as profiled by XP Z12-012 / Z12-014 annex B and the
FNFE-MPE rules (`codes.NORM_VERSION`), built and read.

What is modelled, after the official examples (../shared/design/refs/einvoicing_fr/samples/cdar):
the message (id, name, issue time in format 204), the transmitting platform (SenderTradeParty, role
WK), the issuer of the status (IssuerTradeParty: a platform for a transmission status, type 305;
the buyer or the seller for a processing status, type 23) and the recipients; per referenced
document (the invoice: number, type, issue date in format 102, the seller's SIREN) one status
(ProcessConditionCode) with its sequence number, its reason (code from the official list + text,
mandatory for 206, 207, 208, 210, 213, 501) and, for 212 Encaissée, the amounts received including
VAT per VAT rate (characteristic MEN). Not modelled: the notes' subject codes other than free text,
the requested actions (CL-10), the amounts of the other characteristic types.

Reason codes outside the official list are kept when read (the standard allows extensions, XP
Z12-013 ReasonCode) and refused when built; status codes outside the list are refused both ways."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree  # type: ignore[import-untyped]

from essaim.core.errors import AppError

from . import codes

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT_TAG = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
MAX_BYTES = 2 * 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_XSD_DIR = REPO_ROOT.parent / "shared" / "design" / "refs" / "einvoicing_fr" / "xsd" / "cdar"
XSD_FILE = "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
BUSINESS_PROCESS = "REGULATED"  # CL-01: a regulated (e-invoiced) document
AMOUNT_CHARACTERISTIC = "MEN"  # CL-11: amount received (212)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


class CdarError(AppError):
    pass


@dataclass(frozen=True)
class CdarParty:
    role: str  # UNCL 3035: WK platform, SE seller, BY buyer, DFH the PPF…
    identifier: str = ""
    scheme: str = ""  # ISO 6523: 0002 SIREN, 0238 platform number
    name: str = ""


@dataclass(frozen=True)
class CdarAmount:
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CdarDocument:
    invoice_number: str
    issue_date: date
    type_code: str = "380"
    seller_siren: str | None = None
    buyer_siren: str | None = None


@dataclass(frozen=True)
class CdarStatus:
    code: str
    sequence: int = 1
    issued_at: datetime | None = None
    reason_code: str = ""
    reason_text: str = ""
    amounts: tuple[CdarAmount, ...] = ()


@dataclass(frozen=True)
class CdarMessage:
    message_id: str
    issued_at: datetime
    type_code: str  # 305 transmission status (platform) / 23 processing status (buyer, seller)
    sender: CdarParty  # the issuer of the status
    document: CdarDocument
    statuses: tuple[CdarStatus, ...]
    recipients: tuple[CdarParty, ...] = ()
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _text(value: str, what: str) -> str:
    if CONTROL.search(value or ""):
        raise CdarError("cdar_control_character", f"Caractère de contrôle interdit dans {what}.")
    return value


# UN/CEFACT format 204 (CCYYMMDDHHMMSS) carries no offset: the times of the French network's
# messages are French legal time, as the platforms write them (and the sandbox does).
MESSAGE_TIME_ZONE = ZoneInfo("Europe/Paris")


def _dt204(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(MESSAGE_TIME_ZONE)
    return value.strftime("%Y%m%d%H%M%S")


def _sub(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    prefix, local = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}", **attributes)
    if text is not None:
        element.text = text
    return element


def _party(parent: Any, tag: str, party: CdarParty) -> None:
    element = _sub(parent, tag)
    if party.identifier:
        _sub(element, "ram:GlobalID", _text(party.identifier, "un identifiant"), schemeID=party.scheme or "0002")
    if party.name:
        _sub(element, "ram:Name", _text(party.name, "un nom"))
    _sub(element, "ram:RoleCode", party.role)


def _check(message: CdarMessage) -> None:
    if message.type_code not in codes.MESSAGE_TYPES:
        raise CdarError("cdar_type", f"Type de message inconnu : « {message.type_code} » (305 ou 23).")
    if not message.statuses:
        raise CdarError("cdar_no_status", "Un message de cycle de vie porte au moins un statut.")
    if not message.recipients:
        raise CdarError("cdar_no_recipient", "Un message de cycle de vie a au moins un destinataire.")
    if not message.document.invoice_number:
        raise CdarError("cdar_no_invoice", "Le numéro de la facture est obligatoire.")
    for status in message.statuses:
        known = codes.status(status.code)  # raises, in French, on an unknown code
        if known.reason_required and not status.reason_code:
            raise CdarError("cdar_reason_required", f"Le statut {status.code} {known.label} exige un motif.")
        if status.reason_code and not codes.is_reason(status.reason_code):
            raise CdarError("cdar_reason_unknown", f"Motif inconnu : « {status.reason_code} » (liste {codes.NORM_VERSION}).")


def cdar_build(message: CdarMessage) -> bytes:
    """The message as UTF-8 XML, shaped as the official examples (and valid against the XSD)."""
    _check(message)
    root = etree.Element(ROOT_TAG, nsmap=NSMAP)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", BUSINESS_PROCESS)
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", codes.GUIDELINE_INVOICE)
    exchanged = _sub(root, "rsm:ExchangedDocument")
    _sub(exchanged, "ram:ID", _text(message.message_id, "l'identifiant du message"))
    if message.name:
        _sub(exchanged, "ram:Name", _text(message.name, "le nom du message"))
    _sub(_sub(exchanged, "ram:IssueDateTime"), "udt:DateTimeString", _dt204(message.issued_at), format="204")
    _sub(_sub(exchanged, "ram:SenderTradeParty"), "ram:RoleCode", "WK")
    _party(exchanged, "ram:IssuerTradeParty", message.sender)
    for recipient in message.recipients:
        _party(exchanged, "ram:RecipientTradeParty", recipient)
    ack = _sub(root, "rsm:AcknowledgementDocument")
    _sub(_sub(ack, "ram:MultipleReferencesIndicator"), "udt:Indicator", "false")
    _sub(ack, "ram:TypeCode", message.type_code)
    _sub(_sub(ack, "ram:IssueDateTime"), "udt:DateTimeString", _dt204(message.issued_at), format="204")
    document = message.document
    for status in message.statuses:
        known = codes.status(status.code)
        reference = _sub(ack, "ram:ReferenceReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", _text(document.invoice_number, "le numéro de facture"))
        if known.document_status:
            _sub(reference, "ram:StatusCode", known.document_status)
        _sub(reference, "ram:TypeCode", document.type_code)
        _sub(_sub(reference, "ram:FormattedIssueDateTime"), "qdt:DateTimeString", f"{document.issue_date:%Y%m%d}",
             format="102")
        _sub(reference, "ram:ProcessConditionCode", status.code)
        _sub(reference, "ram:ProcessCondition", known.label)
        if document.seller_siren:
            _sub(_sub(reference, "ram:IssuerTradeParty"), "ram:GlobalID", document.seller_siren, schemeID="0002")
        detail = _sub(reference, "ram:SpecifiedDocumentStatus")
        if status.reason_code:
            _sub(detail, "ram:ReasonCode", status.reason_code)
            _sub(detail, "ram:Reason", _text(status.reason_text or codes.reason(status.reason_code).label, "le motif"))
        _sub(detail, "ram:SequenceNumeric", str(status.sequence))
        for part in status.amounts:
            characteristic = _sub(detail, "ram:SpecifiedDocumentCharacteristic")
            _sub(characteristic, "ram:TypeCode", AMOUNT_CHARACTERISTIC)
            _sub(_sub(characteristic, "ram:ValueChangedIndicator"), "udt:IndicatorString", "false")
            _sub(characteristic, "ram:ValueAmount", f"{part.amount:.2f}", currencyID="EUR")
            _sub(characteristic, "ram:ValuePercent", f"{part.rate:.2f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True)


def _safe_tree(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise CdarError("cdar_too_big", "Le message de cycle de vie dépasse 2 Mo.")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise CdarError("cdar_doctype", "Un message de cycle de vie ne peut contenir ni DOCTYPE ni entité.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CdarError("cdar_malformed", f"Message de cycle de vie illisible : {exc}") from exc
    if root.tag != ROOT_TAG:
        raise CdarError("cdar_root", "Ce fichier n'est pas un message de cycle de vie (CDAR D22B).")
    return root


def _first(element: Any, path: str) -> str:
    found = element.find(path, NSMAP)
    return (found.text or "").strip() if found is not None else ""


def _parse204(text: str) -> datetime:
    try:
        return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=MESSAGE_TIME_ZONE)
    except ValueError as exc:
        raise CdarError("cdar_date", f"Date et heure invalides : « {text} » (format 204 AAAAMMJJHHMMSS).") from exc


def _parse_party(element: Any) -> CdarParty:
    global_id = element.find("ram:GlobalID", NSMAP)
    return CdarParty(role=_first(element, "ram:RoleCode"),
                     identifier=(global_id.text or "").strip() if global_id is not None else "",
                     scheme=global_id.get("schemeID", "") if global_id is not None else "",
                     name=_first(element, "ram:Name"))


def cdar_parse(data: bytes) -> CdarMessage:
    """Read a lifecycle message (safe parsing: no DTD, no entity, no network, 2 MB at most)."""
    root = _safe_tree(data)
    exchanged = root.find("rsm:ExchangedDocument", NSMAP)
    ack = root.find("rsm:AcknowledgementDocument", NSMAP)
    if exchanged is None or ack is None:
        raise CdarError("cdar_incomplete", "Message de cycle de vie incomplet (ExchangedDocument, AcknowledgementDocument).")
    issuer = exchanged.find("ram:IssuerTradeParty", NSMAP)
    sender = _parse_party(issuer) if issuer is not None else CdarParty(role="WK")
    issued_text = _first(ack, "ram:IssueDateTime/udt:DateTimeString") or _first(
        exchanged, "ram:IssueDateTime/udt:DateTimeString")
    issued_at = _parse204(issued_text)
    references = ack.findall("ram:ReferenceReferencedDocument", NSMAP)
    if not references:
        raise CdarError("cdar_no_invoice", "Le message ne désigne aucune facture.")
    statuses = []
    document = None
    for reference in references:
        number = _first(reference, "ram:IssuerAssignedID")
        if not number:
            raise CdarError("cdar_no_invoice", "Le numéro de la facture est obligatoire.")
        date_text = _first(reference, "ram:FormattedIssueDateTime/qdt:DateTimeString")
        try:
            issue_date = datetime.strptime(date_text, "%Y%m%d").replace(tzinfo=UTC).date()
        except ValueError as exc:
            raise CdarError("cdar_date", f"Date de facture invalide : « {date_text} » (format 102).") from exc
        if document is None:
            document = CdarDocument(invoice_number=number, issue_date=issue_date,
                                    type_code=_first(reference, "ram:TypeCode") or "380",
                                    seller_siren=_first(reference, "ram:IssuerTradeParty/ram:GlobalID") or None)
        code = _first(reference, "ram:ProcessConditionCode")
        codes.status(code)  # refuses an unknown status, in French
        for detail in reference.findall("ram:SpecifiedDocumentStatus", NSMAP) or [None]:
            amounts = []
            if detail is not None:
                for characteristic in detail.findall("ram:SpecifiedDocumentCharacteristic", NSMAP):
                    if _first(characteristic, "ram:TypeCode") != AMOUNT_CHARACTERISTIC:
                        continue
                    try:
                        amounts.append(CdarAmount(rate=Decimal(_first(characteristic, "ram:ValuePercent") or "0"),
                                                  amount=Decimal(_first(characteristic, "ram:ValueAmount"))))
                    except InvalidOperation as exc:
                        raise CdarError("cdar_amount", "Montant encaissé illisible.") from exc
            sequence_text = _first(detail, "ram:SequenceNumeric") if detail is not None else ""
            statuses.append(CdarStatus(
                code=code, sequence=int(sequence_text[:4]) if sequence_text.isascii() and sequence_text.isdecimal() else len(statuses) + 1,
                issued_at=issued_at,
                reason_code=_first(detail, "ram:ReasonCode") if detail is not None else "",
                reason_text=_first(detail, "ram:Reason") if detail is not None else "",
                amounts=tuple(amounts)))
    assert document is not None
    return CdarMessage(
        message_id=_first(exchanged, "ram:ID"), issued_at=issued_at, type_code=_first(ack, "ram:TypeCode"),
        sender=sender, document=document, statuses=tuple(statuses), name=_first(exchanged, "ram:Name"),
        recipients=tuple(_parse_party(p) for p in exchanged.findall("ram:RecipientTradeParty", NSMAP)))


@cache
def _schema(folder: str) -> Any:
    path = Path(folder) / XSD_FILE
    if not path.exists():
        raise CdarError("cdar_xsd_absent", f"Le schéma CDAR officiel est introuvable ({path}).")
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def cdar_check_xsd(data: bytes, refs_dir: Path | str | None = None) -> None:
    """Raise CdarError if `data` is not valid against the official CDAR D22B XSD."""
    schema = _schema(str(refs_dir or DEFAULT_XSD_DIR))
    tree = _safe_tree(data)
    if not schema.validate(tree):
        raise CdarError("cdar_invalid", f"Message non conforme au schéma CDAR : {schema.error_log.last_error}")
