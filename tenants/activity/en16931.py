"""The code lists an invoice's content is written with, each with its source. Data only: the rules
that choose among them are in vat.py and facturx.py.

Sources: EN 16931-1:2017 (semantic model, business rules BR-…) and its CII binding; the CEF code
lists (VATEX, EAS); UNTDID 5189, 7161, 2475 and UNCL 5305 as restricted by EN 16931's BR-CL
rules (the FNFE-MPE EN 16931 CII schematron, BR-CL-06/19/20/22); the French rules of the FNFE-MPE
"France RFE" schematron (BR-FR-…); AFNOR XP Z12-013 (ProcessingRule); CGI and its annex II."""

from __future__ import annotations

from dataclasses import dataclass

# BT-5: Essaim invoices in euros only (docs/activity.md, "Currency"). The ledger, the payments and
# the activity accounts are in euros; an invoice in another currency would need an exchange rate
# per invoice and the VAT total in euros (BT-6 = EUR, BT-111; CGI ann. II art. 242 nonies A and
# BR-FR-CO-12), and its payments exchange gains and losses (PCG 666/766) the ledger does not keep.
CURRENCY = "EUR"


@dataclass(frozen=True)
class VatTreatment:
    """How a VAT rate of an invoice is treated: its UNCL 5305 category (BT-118, BT-151, BT-95,
    BT-102), the CEF VATEX exemption reason code (BT-121) and the mention printed and sent as the
    reason (BT-120); `sources` are the articles and rules that require it."""

    key: str
    category: str
    exemption_code: str
    mention: str
    sources: tuple[str, ...]
    reference: str = ""  # printed after the mention

    @property
    def printed(self) -> str:
        return f"{self.mention} ({self.reference})" if self.reference else self.mention


STANDARD = VatTreatment(
    "standard", "S", "", "",
    ("CGI art. 278 à 281 nonies (taux de 20, 10, 5,5 et 2,1 %)", "UNCL 5305 S"))
# A French exemption: the reason is the invoice's own legal mention (art. 261, 293 B…), typed by
# its author; no VATEX code is sent because the mention may cite any article.
EXEMPT = VatTreatment(
    "exempt", "E", "", "",
    ("CGI ann. II art. 242 nonies A (mention de l'exonération)", "EN 16931 BR-E-10", "UNCL 5305 E"))
# Services to a business established in another member state: taxed where the buyer is
# established (CGI art. 259-1°, directive 2006/112/CE art. 44), the buyer pays the VAT (CGI
# art. 283-2, directive art. 196); the invoice says "Autoliquidation" (CGI ann. II art. 242
# nonies A; directive art. 226-11 bis).
EU_REVERSE_CHARGE = VatTreatment(
    "eu_reverse_charge", "AE", "VATEX-EU-AE", "Autoliquidation",
    ("CGI art. 259-1° et 283-2", "Directive 2006/112/CE art. 44, 196 et 226-11 bis",
     "EN 16931 BR-AE-05 à BR-AE-10", "CEF VATEX VATEX-EU-AE"),
    "TVA due par le preneur, art. 283-2 du CGI et art. 196 de la directive 2006/112/CE")
# Goods dispatched to a business in another member state: exempt (CGI art. 262 ter I, directive
# art. 138), the exemption's article printed on the invoice.
EU_INTRA_COMMUNITY_SUPPLY = VatTreatment(
    "eu_intra_community_supply", "K", "VATEX-EU-IC", "Exonération de TVA, article 262 ter I du CGI",
    ("CGI art. 262 ter I", "Directive 2006/112/CE art. 138", "EN 16931 BR-IC-05 à BR-IC-12",
     "CEF VATEX VATEX-EU-IC"))
TREATMENTS = {t.key: t for t in (STANDARD, EXEMPT, EU_REVERSE_CHARGE, EU_INTRA_COMMUNITY_SUPPLY)}

# BT-8, the VAT point date code, in the CII binding (UNTDID 2475 restricted by EN 16931 BR-CL-06 to
# 5, 29, 72; UBL uses UNTDID 2005: 3, 35, 432). French practice (DGFiP external specifications,
# FNFE-MPE Factur-X guide): a seller who opted for paying VAT on debits (CGI art. 269-2-c) sends 5,
# VAT due on the invoice's date; without the option VAT on services is due on payment (72).
VAT_POINT_DATE_CODES = {"invoice": "5", "delivery": "29", "payment": "72"}
MENTION_VAT_ON_DEBITS = "Option pour le paiement de la taxe d'après les débits"  # CGI art. 269-2-c, ann. II art. 242 nonies A

# The BAR note (BT-21 BAR, BT-22) carries the French processing rule; its values are those of
# BR-FR-20 (FNFE-MPE France RFE schematron), the keys those of AFNOR XP Z12-013's ProcessingRule.
BAR_CODES = {"B2B": "B2B", "B2BInt": "B2BINT", "B2C": "B2C"}

# BT-98 / BT-140, allowance reason codes: UNTDID 5189 as restricted by EN 16931 BR-CL-19.
ALLOWANCE_REASONS = {
    "95": "Remise",
    "100": "Rabais spécial",
    "104": "Remise standard",
    "105": "Ristourne sur le chiffre d'affaires annuel",
    "64": "Accord particulier",
    "103": "Remise temporaire",
    "102": "Remise fixe à long terme",
    "65": "Remise pour défaut de production",
    "66": "Remise nouveau point de vente",
    "67": "Remise sur échantillon",
    "68": "Remise de fin de série",
    "60": "Remise consommateur du fabricant",
    "70": "Remise Incoterm",
    "71": "Remise de seuil de point de vente",
    "88": "Déduction matière",
    "41": "Prime pour travaux en avance",
    "42": "Autre prime",
    "62": "Remise liée au statut militaire",
    "63": "Remise liée à un accident du travail",
}
# BT-105 / BT-145, charge reason codes: a selection of UNTDID 7161 (all in EN 16931 BR-CL-20's list).
CHARGE_REASONS = {
    "FC": "Transport",
    "DL": "Livraison",
    "AAT": "Livraison express",
    "SAA": "Expédition et manutention",
    "PC": "Emballage",
    "IAA": "Installation",
    "SU": "Mise en service",
    "LAA": "Main-d'œuvre",
    "ABD": "Heures supplémentaires",
    "CG": "Nettoyage",
    "TAC": "Essais",
    "AEM": "Frais administratifs",
    "ADR": "Autres services",
    "ABK": "Divers",
}
