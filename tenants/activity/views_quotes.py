"""Quote pages: list, draft form (create and edit), detail with its actions, PDF. Whoever sees a
quote (its entrepreneur, the CAE's staff) may act on it, as for invoice drafts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from essaim.ui.access import member_required

from . import quotes as services
from .models import QUOTE_VALIDITY_DAYS, Customer, Invoice, Quote, VatRate
from .selectors import customers_visible_to, quote_get_for, quotes_filter, quotes_visible_to
from .totals import compute_totals
from .views import line_row_values, line_rows, lines_from_post, querystring


class QuoteForm(forms.Form):
    customer = forms.ModelChoiceField(label=gettext_lazy("Client"), queryset=Customer.objects.none())
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=200, required=False)
    valid_until = forms.DateField(
        label=gettext_lazy("Valable jusqu'au"), required=False,
        help_text=gettext_lazy("Vide : %(days)s jours après l'envoi.") % {"days": QUOTE_VALIDITY_DAYS},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    operation = forms.ChoiceField(label=gettext_lazy("Nature des opérations"), choices=Invoice.Operation.choices)
    exemption_mention = forms.CharField(label=gettext_lazy("Mention d'exonération de TVA"), max_length=200,
                                        required=False)


@login_required
@member_required()
def quote_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "state", "entrepreneur")}
    qs = quotes_filter(quotes_visible_to(request.membership), **filters)
    page = Paginator(qs.order_by("-issued_on", "-id"), 50).get_page(request.GET.get("page"))
    states = [*Quote.Status.choices, (Quote.EXPIRED, _("Expiré"))]
    return render(request, "activity/quote_list.html", {
        "page_obj": page, "filters": filters, "states": states,
        "querystring_base": querystring(filters),
    })


def _form_page(request, quote: Quote | None):
    initial = {}
    if quote is not None:
        initial = {"customer": quote.customer_id, "subject": quote.subject, "valid_until": quote.valid_until,
                   "operation": quote.operation, "exemption_mention": quote.exemption_mention}
    form = QuoteForm(request.POST or None, initial=initial)
    form.fields["customer"].queryset = customers_visible_to(request.membership)
    rows = line_rows(request, quote.lines.count() if quote else 0)
    error = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            lines = lines_from_post(request.POST, rows)
            try:
                if quote is None:
                    quote = services.quote_create(
                        entrepreneur=data["customer"].entrepreneur, customer=data["customer"], lines=lines,
                        subject=data["subject"], valid_until=data["valid_until"], operation=data["operation"],
                        exemption_mention=data["exemption_mention"], acting_user=request.user)
                else:
                    quote = services.quote_update_draft(quote=quote, lines=lines, acting_user=request.user, **data)
            except AppError as exc:
                error = exc.message
            else:
                messages.success(request, _("Devis enregistré (brouillon)."))
                return redirect("activity:quote", pk=quote.pk)
        else:
            error = _("Le formulaire comporte des erreurs : voyez les champs signalés.")
    return render(request, "activity/quote_form.html", {
        "form": form, "error": error, "quote": quote, "rows": rows, "row_values": line_row_values(request, quote.lines.all() if quote else [], rows),
        "vat_rates": VatRate.choices,
    }, status=400 if request.method == "POST" else 200)


@login_required
@member_required()
def quote_create(request):
    return _form_page(request, None)


@login_required
@member_required()
def quote_edit(request, pk: int):
    quote = quote_get_for(actor=request.membership, pk=pk)
    if quote.status != Quote.Status.DRAFT:
        messages.error(request, _("Le devis %(n)s est envoyé : il ne se modifie plus.") % {"n": quote.number})
        return redirect("activity:quote", pk=quote.pk)
    return _form_page(request, quote)


@login_required
@member_required()
def quote_detail(request, pk: int):
    quote = quote_get_for(actor=request.membership, pk=pk)
    lines = list(quote.lines.all())
    totals = compute_totals((line.quantity, line.unit_price, line.vat_rate) for line in lines)
    return render(request, "activity/quote_detail.html", {
        "quote": quote, "lines": lines, "totals": totals, "state": quote.state(),
        "invoice": quote.invoice, "today": timezone.localdate(),
    })


@login_required
@member_required()
@require_POST
def quote_action(request, pk: int):
    quote = quote_get_for(actor=request.membership, pk=pk)
    action = request.POST.get("action")
    try:
        # Sent, accepted or refused today, as an invoice is issued today: the page has no date
        # field (a far-future send date would also block the chronological series until then).
        if action == "send":
            quote = services.quote_send(quote=quote, acting_user=request.user)
            messages.success(request, _("Devis envoyé sous le numéro %(n)s, valable jusqu'au %(d)s.") % {
                "n": quote.number, "d": f"{quote.valid_until:%d/%m/%Y}"})
        elif action == "accept":
            services.quote_accept(quote=quote, acting_user=request.user)
            messages.success(request, _("Devis accepté."))
        elif action == "refuse":
            services.quote_refuse(quote=quote, acting_user=request.user)
            messages.success(request, _("Devis refusé."))
        elif action == "convert":
            invoice = services.quote_convert(quote=quote, acting_user=request.user)
            messages.success(request, _("Facture créée en brouillon d'après le devis."))
            return redirect("activity:invoice", pk=invoice.pk)
        elif action == "delete":
            services.quote_delete(quote=quote, acting_user=request.user)
            messages.success(request, _("Brouillon supprimé."))
            return redirect("activity:quotes")
        else:
            raise AppError("unknown_action", _("Action inconnue."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("activity:quote", pk=pk)


@login_required
@member_required()
def quote_pdf(request, pk: int):
    quote = quote_get_for(actor=request.membership, pk=pk)
    if quote.status == Quote.Status.DRAFT:
        raise PermissionDenied
    pdf = services.quote_pdf(quote=quote, cooperative=request.cooperative)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
    return response
