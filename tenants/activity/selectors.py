"""Reads on the activity, scoped: staff see the CAE's invoices, an entrepreneur their own."""

from django.db.models import Q, QuerySet
from django.http import Http404

from essaim.accounts.models import Membership
from essaim.core.params import int_param
from essaim.core.search import words_match
from tenants.people.selectors import people_visible_to

from .models import Customer, ExpenseClaim, Invoice, Quote

FINANCE_ROLES = Membership.FINANCE_ROLES


def invoices_visible_to(membership: Membership) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("customer", "entrepreneur")
    if membership.is_staff_role:
        return invoices
    return invoices.filter(entrepreneur__in=people_visible_to(membership))


def customers_visible_to(membership: Membership) -> QuerySet[Customer]:
    customers = Customer.objects.select_related("entrepreneur")
    if membership.is_staff_role:
        return customers
    return customers.filter(entrepreneur__in=people_visible_to(membership))


def invoice_get_for(*, actor: Membership, pk: int) -> Invoice:
    invoice = invoices_visible_to(actor).filter(pk=pk).first()
    if invoice is None:
        raise Http404("Facture introuvable.")
    return invoice


def _searched(q: str) -> str:
    """The search text without NUL bytes, which PostgreSQL refuses in a text parameter (a 500)."""
    return q.replace("\x00", "").strip()


def invoices_filter(qs: QuerySet[Invoice], *, q: str = "", status: str = "", kind: str = "",
                    entrepreneur: str = "", lifecycle: str = "") -> QuerySet[Invoice]:
    """`lifecycle`: a lifecycle status code (200…501) of the e-invoicing reform, `none` for the
    documents not transmitted, or `action` for those whose status asks the seller to act."""
    q = _searched(q)
    if lifecycle == "none":
        qs = qs.filter(emission__isnull=True)
    elif lifecycle == "action":
        from tenants.einvoicing.codes import statuses

        qs = qs.filter(Q(emission__status__in=[s.code for s in statuses() if s.seller_action])
                       | Q(emission__state__in=["buyer_unknown", "error", "rejected"]))
    elif lifecycle.isdigit() and len(lifecycle) == 3:
        qs = qs.filter(emission__status=lifecycle)
    if q:
        annotations, condition = words_match(["customer__name", "entrepreneur__last_name"], q)
        qs = qs.alias(**annotations).filter(condition | Q(number__icontains=q))
    if status in Invoice.Status.values:
        qs = qs.filter(status=status)
    if kind in Invoice.Kind.values:
        qs = qs.filter(kind=kind)
    if (entrepreneur_id := int_param(entrepreneur)) is not None:
        qs = qs.filter(entrepreneur_id=entrepreneur_id)
    return qs


def quotes_visible_to(membership: Membership) -> QuerySet[Quote]:
    """Staff see the CAE's quotes; an entrepreneur only their own activity's (as for invoices)."""
    quotes = Quote.objects.select_related("customer", "entrepreneur")
    if membership.is_staff_role:
        return quotes
    return quotes.filter(entrepreneur__in=people_visible_to(membership))


def quote_get_for(*, actor: Membership, pk: int) -> Quote:
    quote = quotes_visible_to(actor).filter(pk=pk).first()
    if quote is None:
        raise Http404("Devis introuvable.")
    return quote


def quotes_filter(qs: QuerySet[Quote], *, q: str = "", state: str = "", entrepreneur: str = "",
                  today=None) -> QuerySet[Quote]:
    """`state` is a stored status or `expired` (sent and past its validity date; `sent` then
    means sent and still valid)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    q = _searched(q)
    if q:
        annotations, condition = words_match(["customer__name", "entrepreneur__last_name", "subject"], q)
        qs = qs.alias(**annotations).filter(condition | Q(number__icontains=q))
    if state == Quote.EXPIRED:
        qs = qs.filter(status=Quote.Status.SENT, valid_until__lt=today)
    elif state == Quote.Status.SENT:
        qs = qs.filter(status=Quote.Status.SENT, valid_until__gte=today)
    elif state in Quote.Status.values:
        qs = qs.filter(status=state)
    if (entrepreneur_id := int_param(entrepreneur)) is not None:
        qs = qs.filter(entrepreneur_id=entrepreneur_id)
    return qs


def expense_claims_visible_to(membership: Membership) -> QuerySet[ExpenseClaim]:
    """Staff see the CAE's expense claims; an entrepreneur only their own."""
    claims = ExpenseClaim.objects.select_related("entrepreneur")
    if membership.is_staff_role:
        return claims
    return claims.filter(entrepreneur__in=people_visible_to(membership))


def expense_claim_get_for(*, actor: Membership, pk: int) -> ExpenseClaim:
    claim = expense_claims_visible_to(actor).filter(pk=pk).first()
    if claim is None:
        raise Http404("Note de frais introuvable.")
    return claim
