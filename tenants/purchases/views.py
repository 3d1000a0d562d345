"""Pages of the purchase side: the received supplier invoices (staff: all, with the queue to
attribute and the unreadable ones; an entrepreneur: their activity's inbox), one invoice with
its original file, and the activities' routing codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from essaim.accounts.models import Membership
from essaim.core.errors import AppError
from essaim.core.params import int_param
from essaim.ui.access import member_required
from tenants.people.selectors import people_visible_to, person_get_for

from .decisions import DECISIONS, PURCHASE_CATEGORIES, invoice_decide
from .models import SupplierInvoice
from .selectors import (
    routing_codes_visible_to,
    supplier_invoice_get_for,
    supplier_invoices_filter,
    supplier_invoices_visible_to,
)
from .services import invoice_assign, routing_code_create

FILTERS = ("q", "state", "amount", "entrepreneur")


def _querystring(filters: dict) -> str:
    kept = urlencode({k: v for k, v in filters.items() if v})
    return f"{kept}&" if kept else ""


@login_required
@member_required()
def invoice_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in FILTERS}
    qs = supplier_invoices_filter(supplier_invoices_visible_to(request.membership), **filters)
    page = Paginator(qs.order_by("-received_at", "-pk"), 50).get_page(request.GET.get("page"))
    staff = request.membership.is_staff_role
    return render(request, "purchases/invoice_list.html", {
        "page_obj": page, "filters": filters, "querystring_base": _querystring(filters), "staff": staff,
        "states": SupplierInvoice.State.choices,
        "people": people_visible_to(request.membership).order_by("last_name", "first_name") if staff else [],
    })


@login_required
@member_required()
def invoice_detail(request, pk: int):
    invoice = supplier_invoice_get_for(actor=request.membership, pk=pk)
    staff = request.membership.is_staff_role
    from tenants.einvoicing import codes

    return render(request, "purchases/invoice_detail.html", {
        "invoice": invoice, "staff": staff, "can_decide": _can_decide(request, invoice),
        "categories": [(key, label) for key, (_, label) in PURCHASE_CATEGORIES.items()],
        "reasons": [(r.code, r.label) for r in codes.reasons_for("210")],
        "people": people_visible_to(request.membership).order_by("last_name", "first_name") if staff else [],
    })


@login_required
@member_required()
def invoice_file(request, pk: int):
    """The file exactly as the platform delivered it."""
    invoice = supplier_invoice_get_for(actor=request.membership, pk=pk)
    payload = invoice.flow.payload
    response = HttpResponse(bytes(payload.content), content_type=payload.content_type or "application/octet-stream")
    safe = "".join(c for c in invoice.flow.name if c.isalnum() or c in "._-") or f"facture-fournisseur-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@member_required(*Membership.FINANCE_ROLES)
@require_POST
def invoice_assign_view(request, pk: int):
    invoice = supplier_invoice_get_for(actor=request.membership, pk=pk)
    person_pk = int_param(request.POST.get("entrepreneur"))
    if person_pk is None:
        messages.error(request, "Choisissez l'activité à qui attribuer la facture.")
        return redirect("purchases:invoice", pk=invoice.pk)
    person = person_get_for(actor=request.membership, pk=person_pk)
    try:
        invoice_assign(invoice=invoice, entrepreneur=person, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Facture attribuée à {person}.")
    return redirect("purchases:invoice", pk=invoice.pk)


def _can_decide(request, invoice: SupplierInvoice) -> bool:
    """The activity's entrepreneur, or the finance team, decides an invoice routed to it."""
    if invoice.state not in (SupplierInvoice.State.INBOX, SupplierInvoice.State.DISPUTED):
        return False
    if request.membership.role in Membership.FINANCE_ROLES:
        return True
    return invoice.entrepreneur is not None and invoice.entrepreneur.user_id == request.user.pk


@login_required
@member_required()
@require_POST
def invoice_decide_view(request, pk: int):
    invoice = supplier_invoice_get_for(actor=request.membership, pk=pk)
    if not _can_decide(request, invoice):
        return HttpResponse(status=403)
    decision = request.POST.get("decision", "")
    try:
        invoice_decide(invoice=invoice, decision=decision, acting_user=request.user,
                       category=request.POST.get("category", ""), reason_code=request.POST.get("reason_code", ""),
                       reason_text=request.POST.get("reason_text", "")[:500])
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Décision enregistrée : statut {DECISIONS[decision].status} transmis au "
                                  "fournisseur par la plateforme.")
    return redirect("purchases:invoice", pk=invoice.pk)


@login_required
@member_required()
def routing_codes(request):
    staff_finance = request.membership.role in Membership.FINANCE_ROLES
    status = 200
    if request.method == "POST":
        if not staff_finance:
            return HttpResponse(status=403)
        person_pk = int_param(request.POST.get("entrepreneur"))
        try:
            if person_pk is None:
                raise AppError("routing_code_person", "Choisissez l'activité.", field="entrepreneur")
            person = person_get_for(actor=request.membership, pk=person_pk)
            code = routing_code_create(entrepreneur=person, code=request.POST.get("code", ""), acting_user=request.user)
        except AppError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, f"Code {code.code} attribué à {person}.")
            return redirect("purchases:codes")
    return render(request, "purchases/routing_codes.html", {
        "codes": routing_codes_visible_to(request.membership), "can_manage": staff_finance,
        "siren": request.cooperative.siren,
        "people": people_visible_to(request.membership).order_by("last_name", "first_name") if staff_finance else [],
    }, status=status)
