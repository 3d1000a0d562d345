"""Factur-X (EN 16931 profile): the CII XML of an issued invoice or credit note, and the PDF/A-3
that embeds it.

The XML is built by the `factur-x` library's generator (`generate_cii_xml`, since v5) from a dict
keyed by EN 16931 terms (BT-…/BG-…): `invoice_facturx_data` is that internal model, so the
mapping from our invoice to the norm reads term by term and is tested on its own. The generator
checks the result against the EN 16931 XSD; the schematrons (EN 16931, FR-CTC) need a Saxon
server and are not run here.

The CAE is the legal seller (its SIREN, VAT number, address, bank account); the entrepreneur's
activity appears as the seller's trading name (BT-28). Parties and terms come from the snapshot
frozen at issue (parties.py), so a document reprinted later says what it said then. Credit notes are type 381 with positive amounts (the type
carries the sign) and reference the invoice they correct (BG-3)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from essaim.core.errors import AppError

from . import content, vat
from .en16931 import BAR_CODES, CURRENCY, VAT_POINT_DATE_CODES
from .models import Invoice
from .parties import issued_parties, issued_vat, seller_vat_number  # noqa: F401 - seller_vat_number: part of this module's API
from .totals import document_totals

LEVEL = "en16931"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
SCHEME_SIREN = "0002"  # ISO 6523 ICD: SIRENE
SCHEME_SIRET = "0009"
SCHEME_EADDRESS_FR = "0225"  # French e-invoicing directory address: starts with the SIREN
SCHEME_EMAIL = "EM"  # CEF EAS code list

# BT-23, the French "cadre de facturation": S1 services, B1 goods, M1 mixed (single invoice
# deposited by the seller). Unconfirmed against DGFiP's final specifications (refs section 3).
BUSINESS_PROCESS = {Invoice.Operation.SERVICES: "S1", Invoice.Operation.GOODS: "B1",
                    Invoice.Operation.MIXED: "M1"}

# BT-130, UN/ECE recommendation 20 unit codes for the units people type; anything else is "one".
UNIT_CODES = {"heure": "HUR", "heures": "HUR", "h": "HUR", "jour": "DAY", "jours": "DAY", "j": "DAY",
              "mois": "MON", "semaine": "WEE", "an": "ANN", "année": "ANN", "kg": "KGM", "g": "GRM",
              "t": "TNE", "m": "MTR", "km": "KMT", "m2": "MTK", "m²": "MTK", "m3": "MTQ", "m³": "MTQ",
              "l": "LTR", "litre": "LTR", "litres": "LTR"}
UNIT_ONE = "C62"
PAYMENT_SEPA_TRANSFER = "58"


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _vat_category(regime: str, rate: Decimal) -> str:
    # The rates of VatRate: 20 / 10 / 5.5 / 2.1 % are standard-rated ("S" in UNCL 5305, whatever
    # the rate); 0 is an exemption (E, with the legal mention as the reason), the reverse charge of
    # services to an EU business (AE) or an intra-community supply of goods (K): vat.py, en16931.py.
    return vat.treatment(regime, rate).category


def _unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit.strip().lower(), UNIT_ONE)


def _buyer_of(invoice: Invoice) -> dict:
    """The buyer as the document says: frozen at issue, or the customer as it is for a draft."""
    buyer = (invoice.issued_as or {}).get("buyer")
    return buyer if buyer is not None else content.buyer_of(invoice.customer)


def invoice_processing_rule(invoice: Invoice) -> str:
    """AFNOR XP Z12-013 ProcessingRule of a document: "B2B" (a business buyer established in
    France: e-invoiced), "B2BInt" (a business buyer in another member state) or "B2C" (an
    individual) — the last two e-reported. Read from the parties frozen at issue."""
    return vat.processing_rule(_buyer_of(invoice))


def _notes(parties: dict, processing_rule: str) -> list[dict]:
    rate = parties["terms"]["late_penalty_rate"].replace(".", ",")
    return [
        {"BT-21": "PMT", "BT-22": "Indemnité forfaitaire pour frais de recouvrement en cas de retard de "
                                  "paiement : 40 € (art. L441-10 et D441-5 du Code de commerce)."},
        {"BT-21": "PMD", "BT-22": f"En cas de retard de paiement, pénalités au taux de {rate} % "
                                  f"(art. L441-10 du Code de commerce)."},
        {"BT-21": "AAB", "BT-22": "Pas d'escompte pour paiement anticipé."},
        # The French billing frame (BR-FR-20): B2B, B2BINT, B2C.
        {"BT-21": "BAR", "BT-22": BAR_CODES[processing_rule]},
    ]


def _seller(seller: dict) -> dict:
    return {
        "name": seller["legal_name"],
        "biz_name": seller["trading_name"],
        "identifiers": {SCHEME_SIRET: seller["siret"]},
        "legal_identifier": seller["siren"],
        "legal_identifier_schemeid": SCHEME_SIREN,
        "legal_info": "Coopérative d'activités et d'emploi",
        "vat_identifier": seller["vat_number"],
        "einvoicing_addr": seller["siren"],
        "einvoicing_addr_schemeid": SCHEME_EADDRESS_FR,
        "addr_l1": seller["address"],
        "postcode": seller["postal_code"],
        "city": seller["city"],
        "country_code": "FR",
    }


def _country(customer: dict) -> str:
    # Snapshots taken before customers had a country were all of French customers.
    return customer.get("country") or "FR"


def _buyer(customer: dict, electronic_address: str = "") -> dict:
    buyer = {"name": customer["name"], "addr_l1": customer["address"], "postcode": customer["postal_code"],
             "city": customer["city"], "country_code": _country(customer)}
    if customer["siret"]:
        buyer["identifiers"] = {SCHEME_SIRET: customer["siret"]}
    if customer["siren"]:
        # B2B: the buyer's SIREN is a mandatory mention and its e-invoicing address starts with it.
        # BT-49: the addressing identifier the national directory gave for this buyer at
        # transmission (SIREN, SIREN_SIRET, SIREN_SIRET_ROUTINGCODE or SIREN_SUFFIX), else its SIREN.
        buyer |= {"legal_identifier": customer["siren"], "legal_identifier_schemeid": SCHEME_SIREN,
                  "einvoicing_addr": electronic_address or customer["siren"],
                  "einvoicing_addr_schemeid": SCHEME_EADDRESS_FR}
    elif customer["email"]:
        # B2C invoices are e-reported, not exchanged through a platform, but the French rules
        # (BR-FR-12) still want a buyer electronic address: an individual's is their e-mail.
        buyer |= {"einvoicing_addr": customer["email"], "einvoicing_addr_schemeid": SCHEME_EMAIL}
    if customer["vat_number"]:
        buyer["vat_identifier"] = customer["vat_number"]
    return buyer


def invoice_facturx_data(*, invoice: Invoice, cooperative, buyer_address: str = "") -> dict:
    """The issued document as an EN 16931 model: a dict keyed by BT/BG terms, the input of
    factur-x's generator. Amounts are those of `totals.py` (the invoice's stored totals), positive
    for a credit note (its type says it is one). `buyer_address`: the buyer's electronic address
    from the directory (BT-49), given when the document is transmitted."""
    if invoice.status != Invoice.Status.FINALISED:
        raise AppError("facturx_needs_issued_document", _("Seul un document émis a une version Factur-X."))
    parties = issued_parties(invoice=invoice, cooperative=cooperative)
    seller, buyer = parties["seller"], parties["buyer"]
    regime = issued_vat(parties)["regime"]
    lines = list(invoice.lines.all())
    adjustments = list(invoice.allowances_charges.all())
    totals = document_totals(lines, adjustments)
    exemption = invoice.exemption_mention.strip()
    breakdown = []
    for rate_total in totals.by_rate:
        treatment = vat.treatment(regime, rate_total.rate)
        entry = {"BT-116": _amount(rate_total.base), "BT-117": _amount(rate_total.vat),
                 "BT-118": treatment.category, "BT-119": _amount(rate_total.rate)}
        if treatment.category == "E":
            entry["BT-120"] = exemption
        elif treatment.exemption_code:  # AE, K: the mention and its VATEX code (BR-AE-10, BR-IC-10)
            entry |= {"BT-120": treatment.mention, "BT-121": treatment.exemption_code}
        breakdown.append(entry)
    delivered, period_start, period_end = content.supply_dates(invoice)
    data = {
        "BT-1": invoice.number,
        "BT-2": invoice.issued_on,
        "BT-3": TYPE_CREDIT_NOTE if invoice.kind == Invoice.Kind.CREDIT_NOTE else TYPE_INVOICE,
        "BT-5": CURRENCY,
        "BT-9": invoice.due_on,
        "BT-20": _("Paiement à %(days)s jours, le %(due)s.") % {"days": parties["terms"]["payment_days"],
                                                                "due": f"{invoice.due_on:%d/%m/%Y}"},
        "BT-23": BUSINESS_PROCESS[invoice.operation],
        "BT-24": "urn:cen.eu:en16931:2017",
        # The supply's own date, else its period's end, else the issue date (content.supply_dates):
        # the XSD check fails without delivery data.
        "BT-72": delivered,
        "BG-1": _notes(parties, invoice_processing_rule(invoice)),
        "BG-4": _seller(seller),
        "BG-7": _buyer(buyer, buyer_address),
        "BG-23": breakdown,
        "BG-25": [_line(position, line, regime) for position, line in enumerate(lines, start=1)],
        "BT-106": _amount(totals.lines),
        "BT-109": _amount(totals.excl_vat),
        "BT-110": _amount(totals.vat),
        "BT-112": _amount(totals.incl_vat),
        "BT-115": _amount(totals.incl_vat),
    }
    if period_start and period_end:  # BG-14
        data |= {"BT-73": period_start, "BT-74": period_end}
    allowances = [_adjustment(a, regime) for a in adjustments if not a.is_charge]
    charges = [_adjustment(a, regime) for a in adjustments if a.is_charge]
    if allowances:
        data |= {"BG-20": allowances, "BT-107": _amount(totals.allowances)}
    if charges:
        data |= {"BG-21": charges, "BT-108": _amount(totals.charges)}
    vat_state = issued_vat(parties)
    if vat.on_debits_applies(on_debits=vat_state["on_debits"], operation=invoice.operation,
                             rates=[r.rate for r in totals.by_rate]):
        # BT-8 = 5, VAT due on the invoice's date: the French way of saying "Option pour le
        # paiement de la taxe d'après les débits" (CGI art. 269-2-c), en16931.VAT_POINT_DATE_CODES.
        data["BT-8"] = VAT_POINT_DATE_CODES["invoice"]
    if invoice.purchase_order:
        data["BT-13"] = invoice.purchase_order
    if seller["iban"]:
        # BG-16: customers pay by SEPA credit transfer (UNCL 4461 code 58) into the CAE's account.
        data |= {"BT-81": PAYMENT_SEPA_TRANSFER, "BT-84": seller["iban"]}
        if seller["bic"]:
            data["BT-86"] = seller["bic"]
    address = content.delivery_address(invoice)
    if address:  # BG-15, structured
        data["BG-13"] = {"name": buyer["name"], "addr_l1": address["street"], "postcode": address["postal_code"],
                         "city": address["city"], "country_code": address["country"]}
    elif buyer["delivery_address"]:
        data["BG-13"] = {"name": buyer["name"], "addr_l1": buyer["delivery_address"],
                         "country_code": _country(buyer)}
    elif any(entry["BT-118"] == "K" for entry in breakdown):
        # An intra-community supply names the country the goods go to (BR-IC-12): the buyer's.
        data["BG-13"] = {"name": buyer["name"], "country_code": _country(buyer)}
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        data["BG-3"] = [{"BT-25": invoice.corrects.number, "BT-26": invoice.corrects.issued_on}]
    return data


def _line(position: int, line, regime: str) -> dict:
    rate = Decimal(line.vat_rate)
    item = {
        "BT-126": str(position),
        "BT-129": _quantity(line.quantity),
        "BT-130": _unit_code(line.unit),
        "BT-131": _amount(line.amount),  # net: quantity × price − its allowance + its charge
        "BT-146": _amount(line.unit_price),
        "BT-151": _vat_category(regime, rate),
        "BT-152": _amount(rate),
        "BT-153": line.description,
    }
    if line.allowance_amount:  # BG-27: BT-136, BT-139, BT-140
        item["BG-27"] = [_reasoned({"amount": _amount(line.allowance_amount)}, line.allowance_label,
                                   line.allowance_reason_code)]
    if line.charge_amount:  # BG-28: BT-141, BT-144, BT-145
        item["BG-28"] = [_reasoned({"amount": _amount(line.charge_amount)}, line.charge_label, line.charge_reason_code)]
    return item


def _reasoned(entry: dict, reason: str, code: str) -> dict:
    if reason:
        entry["reason"] = reason
    if code:
        entry["reason_code"] = code
    return entry


def _adjustment(adjustment, regime: str) -> dict:
    """A document-level allowance (BG-20: BT-92, BT-95, BT-96, BT-97, BT-98) or charge (BG-21:
    BT-99, BT-102, BT-103, BT-104, BT-105)."""
    rate = Decimal(adjustment.vat_rate)
    return _reasoned({"amount": _amount(adjustment.amount), "vat_category_code": _vat_category(regime, rate),
                      "vat_rate": _amount(rate)}, adjustment.reason_label, adjustment.reason_code)


def invoice_facturx_xml(*, invoice: Invoice, cooperative, buyer_address: str = "") -> bytes:
    """The CII XML (Factur-X EN 16931), checked against the profile's XSD (raises if invalid)."""
    from facturx import generate_cii_xml

    data = invoice_facturx_data(invoice=invoice, cooperative=cooperative, buyer_address=buyer_address)
    return generate_cii_xml(data, level=LEVEL,
                            check_xsd=True, check_schematron=False)


def facturx_check_xsd(xml: bytes) -> None:
    """Raise if `xml` is not valid against the Factur-X EN 16931 XSD."""
    from facturx import xml_check_xsd

    xml_check_xsd(xml, flavor="factur-x", level=LEVEL)


def invoice_facturx_pdf(*, invoice: Invoice, cooperative, buyer_address: str = "") -> bytes:
    """The issued document as PDF/A-3b (WeasyPrint) with its Factur-X XML embedded
    (`factur-x.xml`, AFRelationship Data, XMP metadata of the profile)."""
    from facturx import generate_from_binary
    from weasyprint import HTML

    from .services import invoice_html

    xml = invoice_facturx_xml(invoice=invoice, cooperative=cooperative, buyer_address=buyer_address)
    pdf = HTML(string=invoice_html(invoice=invoice, cooperative=cooperative)).write_pdf(pdf_variant="pdf/a-3b")
    title = f"{invoice.get_kind_display()} {invoice.number}"
    seller = issued_parties(invoice=invoice, cooperative=cooperative)["seller"]
    return generate_from_binary(pdf, xml, flavor="factur-x", level=LEVEL, check_xsd=False, lang="fr-FR",
                                pdf_metadata={
                                    "author": seller["legal_name"],
                                    "keywords": "Factur-X, facture",
                                    "title": f"{seller['legal_name']} : {title}",
                                    "subject": f"{title} du {invoice.issued_on:%d/%m/%Y}, "
                                               f"{seller['legal_name']} ({seller['trading_name']})",
                                })
