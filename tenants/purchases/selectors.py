"""Reads on the purchase side, scoped: staff see the CAE's supplier invoices, an entrepreneur the
ones routed to their own activity."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.http import Http404

from essaim.accounts.models import Membership
from essaim.core.params import int_param
from essaim.core.search import words_match
from tenants.people.selectors import people_visible_to

from .models import RoutingCode, SupplierInvoice

# What an entrepreneur sees of the invoices routed to their activity.
ROUTED_STATES = (SupplierInvoice.State.INBOX, SupplierInvoice.State.APPROVED, SupplierInvoice.State.DISPUTED,
                 SupplierInvoice.State.REFUSED)


def supplier_invoices_visible_to(membership: Membership) -> QuerySet[SupplierInvoice]:
    invoices = SupplierInvoice.objects.select_related("supplier", "entrepreneur", "flow")
    if membership.is_staff_role:
        return invoices
    return invoices.filter(entrepreneur__in=people_visible_to(membership), state__in=ROUTED_STATES)


def supplier_invoice_get_for(*, actor: Membership, pk: int) -> SupplierInvoice:
    invoice = supplier_invoices_visible_to(actor).filter(pk=pk).first()
    if invoice is None:
        raise Http404("Facture fournisseur introuvable.")
    return invoice


def supplier_invoices_filter(qs: QuerySet[SupplierInvoice], *, q: str = "", state: str = "", amount: str = "",
                             entrepreneur: str = "") -> QuerySet[SupplierInvoice]:
    """Search by supplier, number, SIREN; filter by state, exact amount incl. VAT, activity."""
    q = q.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a text parameter
    if q:
        annotations, condition = words_match(["supplier__name", "number", "supplier__siren"], q)
        qs = qs.alias(**annotations).filter(condition)
    if state in SupplierInvoice.State.values:
        qs = qs.filter(state=state)
    if amount.strip():
        try:
            wanted = Decimal(amount.strip().replace(",", ".").replace(" ", "")[:20])
        except InvalidOperation:
            wanted = None
        # Not a finite amount of at most 12 digits before the comma: nothing matches it.
        qs = qs.filter(total_incl_vat=wanted) if wanted is not None and wanted.is_finite() \
            and abs(wanted) < Decimal("1e12") else qs.none()
    person = int_param(entrepreneur)
    if person is not None:
        qs = qs.filter(entrepreneur_id=person)
    return qs


def routing_codes_visible_to(membership: Membership) -> QuerySet[RoutingCode]:
    codes = RoutingCode.objects.select_related("entrepreneur")
    if membership.is_staff_role:
        return codes
    return codes.filter(Q(entrepreneur__in=people_visible_to(membership)))
