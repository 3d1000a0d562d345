"""Which VAT treatment each rate of an invoice gets, from who buys and what is sold.

- A French buyer, an individual anywhere, or a supply whose place is France: French VAT at the
  line's rate (category S), or an exemption with the invoice's own legal mention (E).
- Services to a business established in another member state (its intra-EU VAT number is on the
  customer): the buyer reverse-charges the VAT (AE, "Autoliquidation"); a French rate is refused,
  unless the invoice says the place of supply is France by exception (CGI art. 259 A: work on a
  building in France, passenger transport, events…).
- Goods dispatched to a business in another member state: an exempt intra-community supply (K,
  CGI art. 262 ter I); a French rate is refused. Delivered in France, they are domestic.
- Goods and services together for such a buyer: refused (two invoices: the regimes differ).

Credit notes follow the invoice they correct: nothing is refused on them, so that a document issued
under earlier rules can still be cancelled as it was. The tables are in en16931.py."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from essaim.core.errors import AppError

from .en16931 import EU_INTRA_COMMUNITY_SUPPLY, EU_REVERSE_CHARGE, EXEMPT, STANDARD, VatTreatment
from .models import Invoice

DOMESTIC = "domestic"
EU_SERVICES = "eu_services"
EU_GOODS = "eu_goods"
EU_MIXED = "eu_mixed"
# Documents issued before the treatment was frozen with them (Invoice.issued_as without "vat"):
# rendered as they were (S or E), so that reprinting one does not change what it said.
LEGACY = "legacy"

_ZERO_RATE = {EU_SERVICES: EU_REVERSE_CHARGE, EU_GOODS: EU_INTRA_COMMUNITY_SUPPLY}


def buyer_is_eu_business(buyer: dict) -> bool:
    """A company established in another member state (customers abroad are EU only, with their VAT number)."""
    return bool(buyer.get("b2b")) and (buyer.get("country") or "FR") != "FR"


def processing_rule(buyer: dict) -> str:
    """AFNOR XP Z12-013 ProcessingRule: B2B for a business buyer established in France (e-invoicing,
    CGI art. 289 bis), B2BInt for one established elsewhere, B2C for an individual (both e-reported,
    CGI art. 290 and 290 A)."""
    if not buyer.get("b2b"):
        return "B2C"
    return "B2BInt" if buyer_is_eu_business(buyer) else "B2B"


def vat_regime(*, buyer: dict, operation: str, place_of_supply_france: bool = False,
               delivery_country: str = "") -> str:
    if not buyer_is_eu_business(buyer):
        return DOMESTIC
    if operation == Invoice.Operation.SERVICES:
        return DOMESTIC if place_of_supply_france else EU_SERVICES
    if operation == Invoice.Operation.GOODS:
        dispatched_to = delivery_country or buyer.get("country") or "FR"
        return DOMESTIC if dispatched_to == "FR" else EU_GOODS
    return EU_MIXED


def treatment(regime: str, rate: Decimal) -> VatTreatment:
    """The treatment of one rate: French VAT above 0, else the regime's exemption."""
    if Decimal(rate) > 0:
        return STANDARD
    return _ZERO_RATE.get(regime, EXEMPT)


def needs_exemption_mention(regime: str) -> bool:
    """Whether a 0 % line needs the author's own exemption mention (a French exemption)."""
    return regime not in _ZERO_RATE


def vat_regime_check(*, regime: str, kind: str, rates: Iterable[Decimal]) -> None:
    """Refuse what the regime forbids on an invoice (credit notes follow their invoice)."""
    if kind == Invoice.Kind.CREDIT_NOTE:
        return
    if regime == EU_MIXED:
        raise AppError("vat_eu_mixed_invoice",
                       "Client professionnel établi dans un autre État membre : établissez une facture pour les "
                       "prestations de services (autoliquidation, art. 283-2 du CGI) et une autre pour les biens "
                       "(livraison intracommunautaire exonérée, art. 262 ter I du CGI).", field="operation")
    taxed = sorted({Decimal(rate) for rate in rates if Decimal(rate) > 0}, reverse=True)
    if not taxed:
        return
    shown = f"{taxed[0].normalize():f}".replace(".", ",")
    if regime == EU_SERVICES:
        raise AppError("vat_rate_on_eu_business_services",
                       f"TVA à {shown} % refusée : une prestation de services à un client professionnel établi dans "
                       "un autre État membre de l'Union européenne n'est pas soumise à la TVA française, le client "
                       "l'autoliquide (art. 259-1° et 283-2 du CGI, art. 196 de la directive 2006/112/CE). "
                       "Choisissez « Exonéré » sur chaque ligne : la mention « Autoliquidation » sera portée sur la "
                       "facture. Si la prestation a lieu en France par exception (art. 259 A du CGI : travaux sur un "
                       "immeuble situé en France…), cochez « Lieu de la prestation en France ».", field="lines")
    if regime == EU_GOODS:
        raise AppError("vat_rate_on_intra_community_supply",
                       f"TVA à {shown} % refusée : une livraison de biens expédiés à un client professionnel d'un "
                       "autre État membre est exonérée (art. 262 ter I du CGI). Choisissez « Exonéré » sur chaque "
                       "ligne, ou indiquez une adresse de livraison en France si les biens y restent.", field="lines")


def on_debits_applies(*, on_debits: bool, operation: str, rates: Iterable[Decimal]) -> bool:
    """The option for VAT on debits concerns services taxed in France (CGI art. 269-2-c): VAT on
    goods is due on delivery whatever the option, and reverse-charged services bear no French VAT."""
    return (on_debits and operation in (Invoice.Operation.SERVICES, Invoice.Operation.MIXED)
            and any(Decimal(rate) > 0 for rate in rates))
