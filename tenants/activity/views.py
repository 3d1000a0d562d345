"""Invoicing pages: customers, invoice drafts, finalisation, credit notes, PDF."""

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from essaim.core.params import int_param, year_param
from essaim.ui.access import member_required
from tenants.people.selectors import people_visible_to, person_get_for

from . import services
from .content import AdjustmentInput
from .en16931 import ALLOWANCE_REASONS, CHARGE_REASONS
from .models import Country, Customer, Invoice, InvoiceEmission, Payment, Quote, VatRate
from .selectors import (
    FINANCE_ROLES,
    customers_visible_to,
    expense_claim_get_for,
    expense_claims_visible_to,
    invoice_get_for,
    invoices_filter,
    invoices_visible_to,
)

LINE_ROWS = 6
MAX_ROWS = 40
ADJUSTMENT_ROWS = 3  # document-level allowances and charges offered by the form
LINE_ADJUSTMENT_FIELDS = ("allowance", "allowance_reason", "allowance_code", "charge", "charge_reason", "charge_code")


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["entrepreneur", "kind", "name", "siren", "siret", "vat_number", "email", "billing_address",
                  "billing_postal_code", "billing_city", "country", "delivery_address"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:  # identifiers are often typed with spaces or dots: "732 829 320"
            data = data.copy()
            for name in ("siren", "siret", "vat_number"):
                if name in data:
                    data[name] = data[name].replace(" ", "").replace(".", "").upper()
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        if "siren" in self.errors:
            return data
        try:
            services.customer_siren_check(kind=data.get("kind", ""), country=data.get("country", ""),
                                          siren=data.get("siren", ""))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(field, error)
        return data


class InvoiceForm(forms.Form):
    customer = forms.ModelChoiceField(label=gettext_lazy("Client"), queryset=Customer.objects.none())
    operation = forms.ChoiceField(label=gettext_lazy("Nature des opérations"), choices=Invoice.Operation.choices)
    exemption_mention = forms.CharField(label=gettext_lazy("Mention d'exonération de TVA"), max_length=200,
                                        required=False)
    purchase_order = forms.CharField(label=gettext_lazy("N° de bon de commande"), max_length=60, required=False)
    # Plain text fields below: the services check them and name the field in French (content.py).
    delivery_date = forms.CharField(label=gettext_lazy("Date de livraison ou d'exécution (si autre que la date "
                                                       "d'émission)"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    period_start = forms.CharField(label=gettext_lazy("Période facturée : du"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.CharField(label=gettext_lazy("au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    delivery_street = forms.CharField(label=gettext_lazy("Adresse de livraison (si autre que celle du client)"),
                                      required=False)
    delivery_postal_code = forms.CharField(label=gettext_lazy("Code postal de livraison"), required=False,
                                           widget=forms.TextInput(attrs={"size": 8}))
    delivery_city = forms.CharField(label=gettext_lazy("Ville de livraison"), required=False)
    delivery_country = forms.CharField(label=gettext_lazy("Pays de livraison"), required=False,
                                       widget=forms.Select(choices=[("", "—"), *Country.choices]))
    place_of_supply_france = forms.BooleanField(
        label=gettext_lazy("Lieu de la prestation en France par exception (art. 259 A du CGI : immeuble situé en "
                           "France, transport, restauration, manifestations…)"), required=False)
    currency = forms.CharField(label=gettext_lazy("Devise"), required=False, initial="EUR",
                               widget=forms.Select(choices=[("EUR", "EUR — euro")]))


def adjustments_from_post(post) -> list[AdjustmentInput]:
    """The document-level allowance and charge rows (`adj-<i>-…`); rows without an amount skipped."""
    adjustments = []
    for i in range(ADJUSTMENT_ROWS):
        amount = post.get(f"adj-{i}-amount", "").strip()
        if not amount:
            continue
        adjustments.append(AdjustmentInput(amount, post.get(f"adj-{i}-reason", ""), post.get(f"adj-{i}-code", ""),
                                           post.get(f"adj-{i}-vat_rate", VatRate.STANDARD),
                                           post.get(f"adj-{i}-kind") == "charge"))
    return adjustments


def adjustment_row_values(request, invoice: Invoice | None) -> list[dict]:
    names = ("kind", "amount", "reason", "code", "vat_rate")
    if request.method == "POST":
        return [{name: request.POST.get(f"adj-{i}-{name}", "") for name in names} for i in range(ADJUSTMENT_ROWS)]
    values = [{"kind": "charge" if a.is_charge else "allowance", "amount": str(a.amount), "reason": a.reason,
               "code": a.reason_code, "vat_rate": a.vat_rate}
              for a in (invoice.allowances_charges.all() if invoice is not None else [])]
    return values + [{} for _ in range(max(ADJUSTMENT_ROWS - len(values), 0))]


def lines_from_post(post, rows: int = LINE_ROWS) -> list[services.LineInput]:
    """The line rows of an invoice or quote form (`line-<i>-description`…); empty rows skipped.
    Validation is the services' (`services.lines_build`)."""
    lines = []
    for i in range(rows):
        description = post.get(f"line-{i}-description", "").strip()
        if not description:
            continue
        adjustments = {name: post.get(f"line-{i}-{name}", "") for name in LINE_ADJUSTMENT_FIELDS}
        lines.append(services.LineInput(description, post.get(f"line-{i}-quantity", ""),
                                        post.get(f"line-{i}-unit_price", ""),
                                        post.get(f"line-{i}-vat_rate", VatRate.STANDARD),
                                        post.get(f"line-{i}-unit", "") or "unité",
                                        **{k: v for k, v in adjustments.items() if v}))
    return lines


def line_rows(request, existing: int = 0) -> int:
    """How many line rows a document form shows: as posted (bounded), else the lines and two blank."""
    posted = int_param(request.POST.get("rows"))
    if posted is not None:
        return max(LINE_ROWS, min(posted, MAX_ROWS))
    return max(LINE_ROWS, min(existing + 2, MAX_ROWS))


def line_row_values(request, lines, rows: int) -> list[dict]:
    """What each line row shows: the posted values after an error, else `lines` (a document's
    lines or `LineInput`s), then blank rows."""
    if request.method == "POST":
        return [{name: request.POST.get(f"line-{i}-{name}", "")
                 for name in ("description", "quantity", "unit", "unit_price", "vat_rate", *LINE_ADJUSTMENT_FIELDS)}
                for i in range(rows)]
    values = [{"description": line.description, "quantity": f"{Decimal(str(line.quantity)).normalize():f}",
               "unit": line.unit, "unit_price": str(line.unit_price), "vat_rate": line.vat_rate,
               **_line_adjustment_values(line)} for line in lines]
    return values + [{} for _ in range(rows - len(values))]


def _line_adjustment_values(line) -> dict:
    """An invoice line's own allowance and charge as the form shows them (a LineInput or an InvoiceLine)."""
    allowance = getattr(line, "allowance_amount", getattr(line, "allowance", 0)) or 0
    charge = getattr(line, "charge_amount", getattr(line, "charge", 0)) or 0
    return {"allowance": str(allowance) if Decimal(str(allowance)) else "",
            "allowance_reason": getattr(line, "allowance_reason", ""),
            "allowance_code": getattr(line, "allowance_reason_code", getattr(line, "allowance_code", "")),
            "charge": str(charge) if Decimal(str(charge)) else "",
            "charge_reason": getattr(line, "charge_reason", ""),
            "charge_code": getattr(line, "charge_reason_code", getattr(line, "charge_code", ""))}


def querystring(filters: dict) -> str:
    """The filters of a list page for its pagination links (URL-encoded: a search may hold & or #)."""
    kept = urlencode({k: v for k, v in filters.items() if v})
    return f"{kept}&" if kept else ""


@login_required
@member_required()
def invoice_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "status", "kind", "entrepreneur", "lifecycle")}
    qs = invoices_filter(invoices_visible_to(request.membership), **filters).select_related("emission")
    page = Paginator(qs.order_by("-issued_on", "-id"), 50).get_page(request.GET.get("page"))
    from tenants.einvoicing.codes import statuses as lifecycle_statuses

    labels = {s.code: s.label for s in lifecycle_statuses()}
    for invoice in page:
        emission = getattr(invoice, "emission", None)
        invoice.lifecycle_label = f"{emission.status} {labels.get(emission.status, '')}" if emission and emission.status \
            else (emission.get_state_display() if emission else "")
    return render(request, "activity/invoice_list.html", {
        "page_obj": page, "filters": filters, "statuses": Invoice.Status.choices, "kinds": Invoice.Kind.choices,
        "lifecycles": [("action", _("À traiter")), ("none", _("Non transmise"))]
        + [(code, f"{code} {label}") for code, label in labels.items()],
        "querystring_base": querystring(filters),
    })


def _invoice_form_page(request, invoice: Invoice | None):
    """A new invoice draft (invoice None), or an invoice or credit-note draft being edited."""
    is_note = invoice is not None and invoice.kind == Invoice.Kind.CREDIT_NOTE
    initial = {}
    if invoice is not None:
        initial = {"customer": invoice.customer_id, "operation": invoice.operation,
                   "exemption_mention": invoice.exemption_mention, "purchase_order": invoice.purchase_order,
                   "place_of_supply_france": invoice.place_of_supply_france,
                   **{name: getattr(invoice, name) or "" for name in (
                       "delivery_street", "delivery_postal_code", "delivery_city", "delivery_country")},
                   **{name: getattr(invoice, name).isoformat() if getattr(invoice, name) else "" for name in (
                       "delivery_date", "period_start", "period_end")}}
    form = InvoiceForm(request.POST or None, initial=initial)
    if is_note:  # a credit note is to the corrected invoice's customer
        del form.fields["customer"], form.fields["purchase_order"]
    else:
        customers = customers_visible_to(request.membership)
        if invoice is not None:
            customers = customers.filter(entrepreneur_id=invoice.entrepreneur_id)
        form.fields["customer"].queryset = customers
    rows = line_rows(request, invoice.lines.count() if invoice is not None else 0)
    error = None
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            lines = lines_from_post(request.POST, rows)
            currency = data.pop("currency", "") or "EUR"
            content_fields = {name: data.pop(name) for name in services.content.CONTENT_FIELDS}
            try:
                if invoice is None:
                    invoice = services.invoice_create_draft(
                        entrepreneur=data["customer"].entrepreneur, customer=data["customer"], lines=lines,
                        operation=data["operation"], exemption_mention=data["exemption_mention"],
                        purchase_order=data["purchase_order"], adjustments=adjustments_from_post(request.POST),
                        currency=currency, acting_user=request.user, **content_fields)
                else:
                    invoice = services.invoice_update_draft(invoice=invoice, lines=lines, acting_user=request.user,
                                                            adjustments=adjustments_from_post(request.POST),
                                                            currency=currency, **data, **content_fields)
            except AppError as exc:
                error = exc.message
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Brouillon enregistré."))
                return redirect("activity:invoice", pk=invoice.pk)
        else:
            error = _("Le formulaire comporte des erreurs : voyez les champs signalés.")
    return render(request, "activity/invoice_form.html", {
        "form": form, "error": error, "invoice": invoice, "rows": rows, "vat_rates": VatRate.choices,
        "row_values": line_row_values(request, invoice.lines.all() if invoice is not None else [], rows),
        "with_adjustments": True, "adjustment_rows": adjustment_row_values(request, invoice),
        "allowance_codes": list(ALLOWANCE_REASONS.items()), "charge_codes": list(CHARGE_REASONS.items()),
        "remaining": services.credit_note_remaining(invoice.corrects, excluding=invoice) if is_note else None,
    }, status=400 if request.method == "POST" else 200)


@login_required
@member_required()
def invoice_create(request):
    return _invoice_form_page(request, None)


@login_required
@member_required()
def invoice_edit(request, pk: int):
    """Edit a draft: an invoice's by whoever sees it (as it was drafted), a credit note's by the
    director or accounts (who establish credit notes). An issued document is never edited."""
    invoice = invoice_get_for(actor=request.membership, pk=pk)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and request.membership.role not in FINANCE_ROLES:
        raise PermissionDenied
    if invoice.status != Invoice.Status.DRAFT:
        message = _("Le document %(n)s est émis : il ne se modifie plus.") % {"n": invoice.number}
        if invoice.kind == Invoice.Kind.INVOICE:
            message += " " + _("Établissez un avoir pour le corriger.")
        messages.error(request, message)
        return redirect("activity:invoice", pk=invoice.pk)
    return _invoice_form_page(request, invoice)


@login_required
@member_required(*FINANCE_ROLES)
def credit_note_new(request, pk: int):
    """A credit note on an issued invoice: the lines and quantities (or amounts) to credit,
    offered as what remains of the invoice, never beyond it (checked by the service)."""
    invoice = invoice_get_for(actor=request.membership, pk=pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.FINALISED:
        messages.error(request, _("Un avoir corrige une facture émise."))
        return redirect("activity:invoice", pk=invoice.pk)
    remaining = services.credit_note_remaining(invoice)
    if request.method != "POST" and remaining.incl_vat <= 0:
        messages.error(request, _("La facture %(n)s est déjà entièrement couverte par ses avoirs.") % {
            "n": invoice.number})
        return redirect("activity:invoice", pk=invoice.pk)
    suggested = services.credit_note_remaining_lines(invoice)
    rows = line_rows(request, len(suggested))
    error = None
    if request.method == "POST":
        try:
            note = services.credit_note_create(invoice=invoice, lines=lines_from_post(request.POST, rows),
                                               acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Avoir créé en brouillon : vérifiez-le, puis émettez-le."))
            return redirect("activity:invoice", pk=note.pk)
    return render(request, "activity/credit_note_form.html", {
        "invoice": invoice, "remaining": remaining, "error": error, "rows": rows, "vat_rates": VatRate.choices,
        "row_values": line_row_values(request, suggested, rows),
    }, status=400 if request.method == "POST" else 200)


@login_required
@member_required()
def invoice_detail(request, pk: int):
    invoice = invoice_get_for(actor=request.membership, pk=pk)
    document = services.invoice_document_context(invoice=invoice, cooperative=request.cooperative)
    quote = Quote.objects.filter(invoice=invoice).only("pk", "number").first()
    can_finalise = request.membership.role in FINANCE_ROLES
    context = {**document, "cooperative": request.cooperative, "quote": quote,
               "can_finalise": can_finalise, "methods": Payment.Method.choices,
               "can_edit": invoice.status == Invoice.Status.DRAFT and (
                   invoice.kind == Invoice.Kind.INVOICE or can_finalise),
               "credit_notes": list(invoice.credit_notes.order_by("id")) if invoice.kind == Invoice.Kind.INVOICE else []}
    emission = InvoiceEmission.objects.select_related("flow").filter(invoice=invoice).first()
    if emission is not None:
        from tenants.einvoicing.codes import statuses as lifecycle_statuses

        labels = {s.code: s.label for s in lifecycle_statuses()}
        events = list(emission.flow.events.order_by("issued_at", "pk")) if emission.flow else []
        for event in events:
            event.label = labels.get(event.code, "")
        context.update(emission=emission, lifecycle_events=events)
    if invoice.status == Invoice.Status.FINALISED and invoice.kind == Invoice.Kind.INVOICE:
        state = services.invoice_payment_state(invoice)
        context.update(payments=invoice.payments.all(), balance=services.invoice_balance(invoice),
                       state_label=services.PaymentState.LABELS[state], state=state)
    return render(request, "activity/invoice_detail.html", context)


@login_required
@member_required(*FINANCE_ROLES)
@require_POST
def invoice_action(request, pk: int):
    invoice = invoice_get_for(actor=request.membership, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "finalise":
            invoice = services.invoice_finalise(invoice=invoice, acting_user=request.user)
            messages.success(request, _("Facture émise sous le numéro %(n)s.") % {"n": invoice.number})
        elif action == "credit_note":
            note = services.credit_note_create(invoice=invoice, acting_user=request.user)
            messages.success(request, _("Avoir créé en brouillon."))
            return redirect("activity:invoice", pk=note.pk)
        elif action == "payment":
            received = request.POST.get("received_on", "")
            try:
                received_on = date.fromisoformat(received)
            except ValueError as exc:
                raise AppError("payment_date_invalid", _("Date de règlement invalide."), field="received_on") from exc
            services.payment_record(invoice=invoice, amount=request.POST.get("amount", "").replace(",", "."),
                                    received_on=received_on, method=request.POST.get("method", "transfer"),
                                    reference=request.POST.get("reference", ""), acting_user=request.user)
            messages.success(request, _("Règlement enregistré."))
        elif action == "delete":
            services.invoice_delete(invoice=invoice, acting_user=request.user)
            messages.success(request, _("Brouillon supprimé."))
            return redirect("activity:invoices")
        else:
            raise AppError("unknown_action", _("Action inconnue."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("activity:invoice", pk=pk)


@login_required
@member_required()
def invoice_pdf(request, pk: int):
    """Issued: the Factur-X PDF/A-3. Draft: a plain PDF marked as a draft."""
    invoice = invoice_get_for(actor=request.membership, pk=pk)
    pdf = services.invoice_pdf(invoice=invoice, cooperative=request.cooperative)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = invoice.number or f"brouillon-{invoice.pk}"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@login_required
@member_required()
def invoice_xml(request, pk: int):
    """The Factur-X XML alone (issued documents only: a draft has no XML)."""
    from django.http import Http404

    from .facturx import invoice_facturx_xml

    invoice = invoice_get_for(actor=request.membership, pk=pk)
    if invoice.status != Invoice.Status.FINALISED:
        raise Http404("Facture non émise.")
    response = HttpResponse(invoice_facturx_xml(invoice=invoice, cooperative=request.cooperative),
                            content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}-factur-x.xml"'
    return response


@login_required
@member_required()
def customer_list(request):
    form = CustomerForm(request.POST or None)
    form.fields["entrepreneur"].queryset = people_visible_to(request.membership).exclude(stage="exited")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = person_get_for(actor=request.membership, pk=data.pop("entrepreneur").pk)
        try:
            services.customer_create(entrepreneur=person, acting_user=request.user, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for err in errors:
                    form.add_error(field if field in form.fields else None, err)
        else:
            messages.success(request, _("Client enregistré."))
            return redirect("activity:customers")
    q = request.GET.get("q", "").strip()
    customers = customers_visible_to(request.membership)
    if q:
        customers = customers.filter(name__icontains=q)
    page = Paginator(customers.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "activity/customer_list.html", {"page_obj": page, "form": form, "q": q,
                                                           "querystring_base": querystring({"q": q})},
                  status=400 if form.errors else 200)


@login_required
@member_required(*FINANCE_ROLES)
def receivables(request):
    from django.utils import timezone

    today = timezone.localdate()
    everything = services.receivables(today=today)
    buckets = services.receivables_by_bucket(everything)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "bucket", "entrepreneur")}
    rows = invoices_filter(everything, q=filters["q"], entrepreneur=filters["entrepreneur"])
    if filters["bucket"] in services.RECEIVABLE_BUCKETS:
        rows = rows.filter(bucket=filters["bucket"])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for invoice in page:
        invoice.days_late = services.days_late(invoice, today=today)
    total = sum(buckets.values())
    largest = max(buckets.values()) or 1
    bars = [{"bucket": b, "amount": a, "y": 34 * i, "width": int(a * 360 / largest)}
            for i, (b, a) in enumerate(buckets.items())]
    return render(request, "activity/receivables.html", {
        "page_obj": page, "bars": bars, "total": total, "filters": filters,
        "bucket_choices": services.RECEIVABLE_BUCKETS,
        "querystring_base": querystring(filters)})


# -- expense claims and the activity account -----------------------------------------------------

EXPENSE_ROWS = 5


@login_required
@member_required()
def expense_list(request):
    from .expenses import ExpenseInput, expense_submit
    from .models import ExpenseClaim, ExpenseLine

    claims = expense_claims_visible_to(request.membership).prefetch_related("lines")
    status = request.GET.get("etat", "")
    if status in ExpenseClaim.Status.values:
        claims = claims.filter(status=status)
    me = None if request.membership.is_staff_role else people_visible_to(request.membership).first()
    error = None
    if request.method == "POST":
        if me is None:
            raise PermissionDenied
        lines = []
        try:
            for i in range(EXPENSE_ROWS):
                description = request.POST.get(f"e-{i}-description", "").strip()
                if not description:
                    continue
                try:
                    spent_on = date.fromisoformat(request.POST.get(f"e-{i}-date", ""))
                except ValueError as exc:
                    raise AppError("expense_date_invalid", _("Dépense %(n)s : date invalide.") % {"n": i + 1}) from exc
                lines.append(ExpenseInput(spent_on, request.POST.get(f"e-{i}-category", "other"), description,
                                          request.POST.get(f"e-{i}-amount", "").replace(",", "."),
                                          request.POST.get(f"e-{i}-vat", "0").replace(",", ".") or "0",
                                          request.FILES.get(f"e-{i}-receipt")))
            expense_submit(entrepreneur=me, lines=lines, acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Note de frais soumise."))
            return redirect("activity:expenses")
    page = Paginator(claims.order_by("-submitted_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "activity/expenses.html", {
        "page_obj": page, "me": me, "error": error, "rows": range(EXPENSE_ROWS), "status": status,
        "statuses": ExpenseClaim.Status.choices, "categories": ExpenseLine.Category.choices,
        "can_decide": request.membership.role in FINANCE_ROLES, "querystring_base": querystring({"etat": status}),
    }, status=400 if error else 200)


@login_required
@member_required(*FINANCE_ROLES)
@require_POST
def expense_action(request, pk: int):
    from .expenses import expense_approve, expense_reimburse, expense_reject

    claim = expense_claim_get_for(actor=request.membership, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "approve":
            expense_approve(claim=claim, acting_user=request.user)
        elif action == "reject":
            expense_reject(claim=claim, reason=request.POST.get("reason", ""), acting_user=request.user)
        elif action == "reimburse":
            from django.utils import timezone

            expense_reimburse(claim=claim, on=timezone.localdate(), acting_user=request.user)
        else:
            raise AppError("unknown_action", _("Action inconnue."))
        messages.success(request, _("C'est enregistré."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("activity:expenses")


@login_required
@member_required()
def receipt_download(request, pk: int):
    """A receipt, served only to staff or to the entrepreneur whose claim it is."""
    from django.http import FileResponse, Http404

    from .models import ExpenseLine

    lines = ExpenseLine.objects.select_related("claim")
    if not request.membership.is_staff_role:
        lines = lines.filter(claim__entrepreneur__in=people_visible_to(request.membership))
    line = lines.filter(pk=pk).exclude(receipt="").first()
    if line is None:
        raise Http404
    suffix = line.receipt.name.rsplit(".", 1)[-1]
    content_type = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}.get(suffix,
                                                                                        "application/octet-stream")
    response = FileResponse(line.receipt.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="justificatif-{line.pk}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@member_required()
def account(request, person_pk: int | None = None):

    from .account import account_statement, contribution_rate

    if person_pk is None:
        person = people_visible_to(request.membership).first()
        if person is None:
            raise PermissionDenied
    else:
        person = person_get_for(actor=request.membership, pk=person_pk)
    year = year_param(request.GET.get("annee"))
    months = account_statement(entrepreneur=person, year=year)
    return render(request, "activity/account.html", {
        "person": person, "year": year, "months": months, "rate": contribution_rate(),
        "totals": {name: sum(getattr(m, name) for m in months)
                   for name in ("invoiced", "collected", "contribution", "expenses", "salary_cost", "net")},
    })
