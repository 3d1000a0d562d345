"""Who an invoice is between and on what terms, as printed on it.

An issued invoice or credit note is a legal document: reprinting it years later must say what it
said the day it was issued, even if the CAE has moved, the activity renamed itself or the
late-penalty rate changed since. `document_parties` reads today's data; `invoice_finalise`
freezes its result into `Invoice.issued_as` in the same UPDATE that gives the number, and the PDF
and the Factur-X XML read `issued_parties`, which is that snapshot (or today's data for a draft)."""

from __future__ import annotations

from django.utils import timezone

from .models import ActivitySettings, Customer, Invoice


def seller_vat_number(siren: str) -> str:
    """The French intra-EU VAT number follows from the SIREN (key = (12 + 3 × (SIREN mod 97)) mod 97)."""
    return f"FR{int(siren + '12') % 97:02d}{siren}"


def document_parties(*, invoice: Invoice, cooperative, settings: ActivitySettings | None = None) -> dict:
    """Seller, buyer and payment terms from today's data, as JSON-ready strings."""
    from .policy import vat_on_debits
    from .vat import vat_regime

    settings = settings or ActivitySettings.current()
    customer = invoice.customer
    person = invoice.entrepreneur
    buyer = {"b2b": customer.kind == Customer.Kind.COMPANY, "country": customer.country}
    return {
        "seller": {
            "legal_name": cooperative.legal_name, "address": cooperative.address,
            "postal_code": cooperative.postal_code, "city": cooperative.city, "siren": cooperative.siren,
            "siret": cooperative.siret, "vat_number": seller_vat_number(cooperative.siren),
            "iban": cooperative.iban, "bic": cooperative.bic,
            # The CAE sells under the activity's trading name, else its entrepreneur's name.
            "trading_name": person.trading_as, "entrepreneur": person.full_name,
        },
        "buyer": {
            "name": customer.name, "b2b": customer.kind == Customer.Kind.COMPANY, "siren": customer.siren,
            "siret": customer.siret, "vat_number": customer.vat_number, "email": customer.email,
            "address": customer.billing_address, "postal_code": customer.billing_postal_code,
            "city": customer.billing_city, "country": customer.country,
            "country_name": str(customer.get_country_display()), "delivery_address": customer.delivery_address,
        },
        "terms": {"payment_days": settings.payment_days, "late_penalty_rate": f"{settings.late_penalty_rate:.2f}"},
        # The VAT treatment decided at issue (vat.py) and the option for VAT on debits of the
        # issue date (CGI art. 269-2-c): the mentions they print stay those of that day.
        "vat": {"regime": vat_regime(buyer=buyer, operation=invoice.operation,
                                     place_of_supply_france=invoice.place_of_supply_france,
                                     delivery_country=invoice.delivery_country),
                "on_debits": vat_on_debits(on=invoice.issued_on or timezone.localdate())},
    }


def issued_parties(*, invoice: Invoice, cooperative) -> dict:
    """What the document says: its snapshot once issued; today's data for a draft (and for
    documents issued before snapshots existed)."""
    return invoice.issued_as or document_parties(invoice=invoice, cooperative=cooperative)


def issued_vat(parties: dict) -> dict:
    """The VAT part of a document's parties; documents issued before it was frozen with them are
    rendered as they were (regime `legacy`: S or E, without the option's mention)."""
    from .vat import LEGACY

    return parties.get("vat") or {"regime": LEGACY, "on_debits": False}
