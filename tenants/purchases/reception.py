"""A supplier invoice arriving from the platform (the e-invoicing transport's inbound listener,
called inside the sync's transaction): read, checked, deduplicated, routed. A file that cannot be
read is kept with its reason in the accounts team's queue ("à traiter"), never half-imported: the
row is written whole, or not at all with the sync's transaction."""

from __future__ import annotations

from stdnum.fr import siren as siren_check

from essaim.cooperatives.tenancy import current_cooperative
from tenants.einvoicing.models import Flow

from .models import RoutingCode, Supplier, SupplierInvoice
from .reading import ReadError, ReceivedInvoice, invoice_read

# The states in which an invoice counts as received (a same one arriving again is its duplicate).
ACTIVE_STATES = (SupplierInvoice.State.TO_ASSIGN, SupplierInvoice.State.INBOX, SupplierInvoice.State.APPROVED,
                 SupplierInvoice.State.DISPUTED)


def on_received(flow: Flow) -> SupplierInvoice | None:
    if SupplierInvoice.objects.filter(flow=flow).exists():
        return None
    try:
        read = invoice_read(bytes(flow.payload.content), name=flow.name)
    except ReadError as exc:
        return SupplierInvoice.objects.create(flow=flow, state=SupplierInvoice.State.UNREADABLE,
                                              read_error=exc.message[:300])
    supplier = supplier_for(read)
    invoice = SupplierInvoice(flow=flow, supplier=supplier, **_fields(read))
    original = (SupplierInvoice.objects.filter(supplier=supplier, number=invoice.number, issue_year=invoice.issue_year,
                                               state__in=ACTIVE_STATES).order_by().first())
    if original is not None:
        invoice.state, invoice.duplicate_of = SupplierInvoice.State.DUPLICATE, original
        invoice.read_error = f"Doublon de la facture {original.number} du même fournisseur reçue le " \
                             f"{original.received_at:%d/%m/%Y}."
    else:
        entrepreneur_id, routed_by = route(read)
        invoice.entrepreneur_id, invoice.routed_by = entrepreneur_id, routed_by
        invoice.state = SupplierInvoice.State.INBOX if entrepreneur_id else SupplierInvoice.State.TO_ASSIGN
    invoice.save()
    return invoice


def _fields(read: ReceivedInvoice) -> dict:
    return {
        "syntax": read.syntax, "type_code": read.type_code, "number": read.number[:60], "issue_date": read.issue_date,
        "issue_year": read.issue_date.year, "due_date": read.due_date, "currency": read.currency[:3],
        "total_excl_vat": read.total_excl_vat, "total_vat": read.total_vat, "total_incl_vat": read.total_incl_vat,
        "amount_due": read.amount_due, "buyer_address": read.buyer_address[:125],
        "buyer_reference": read.buyer_reference[:100],
        "vat_lines": [{"category": v.category, "rate": str(v.rate), "base": str(v.base), "amount": str(v.amount)}
                      for v in read.vat_lines],
    }


def supplier_for(read: ReceivedInvoice) -> Supplier:
    """The supplier of its SIREN (checked: a wrong one is not kept), else one of that name and VAT
    number; created from the invoice the first time."""
    siren = read.seller_siren if siren_check.is_valid(read.seller_siren or "") else ""
    if siren:
        supplier = Supplier.objects.filter(siren=siren).first()
    else:
        supplier = Supplier.objects.filter(siren="", name=read.seller_name[:200],
                                           vat_number=read.seller_vat[:20]).first()
    if supplier is None:
        supplier = Supplier.objects.create(name=read.seller_name[:200], siren=siren, siret=read.seller_siret[:14],
                                           vat_number=read.seller_vat[:20], iban=read.seller_iban[:34])
    return supplier


def route(read: ReceivedInvoice) -> tuple[int | None, str]:
    """The activity an invoice is for: the routing code in its buyer's electronic address
    (`<our SIREN>_<code>`, BT-49), else its buyer reference (BT-10) if that is a code of ours."""
    siren = current_cooperative().siren
    address = read.buyer_address.strip()
    if address.startswith(f"{siren}_"):
        found = _code(address[len(siren) + 1:])
        if found:
            return found, SupplierInvoice.RoutedBy.ADDRESS
    if read.buyer_reference.strip():
        found = _code(read.buyer_reference.strip())
        if found:
            return found, SupplierInvoice.RoutedBy.REFERENCE
    return None, ""


def _code(code: str) -> int | None:
    return (RoutingCode.objects.filter(code__iexact=code, active=True).values_list("entrepreneur_id", flat=True)
            .first())
