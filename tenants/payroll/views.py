"""Payroll pages (/paie/): runs for the payroll staff (accounts, director), payslips and the
annual summary for the employee and the staff, the salary simulator for entrepreneurs (and staff,
for any entrepreneur of the CAE), withholding-tax rates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from essaim.core.params import year_param
from essaim.ui.access import member_required
from tenants.people.selectors import people_visible_to, person_get_for

from . import runs
from .models import PayrollRun
from .selectors import (
    PAYROLL_ROLES,
    annual_summary,
    contributions_csv,
    contributions_summary,
    current_pas_rates,
    is_payroll_staff,
    lines_visible_to,
    payroll_line_get_for,
    payroll_run_get_for,
    run_totals,
    runs_with_totals,
)

LINES_PER_PAGE = 100


def _year(request) -> int:
    return year_param(request.GET.get("annee"))


@login_required
@member_required(*PAYROLL_ROLES)
def run_list(request):
    error = None
    if request.method == "POST":
        try:
            run = runs.payroll_run_create(month=request.POST.get("month", ""),
                                          variable_share=request.POST.get("variable_share", "0"),
                                          acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Paie de %(m)s calculée.") % {"m": f"{run.month:%m/%Y}"})
            return redirect("payroll:run", pk=run.pk)
    page = Paginator(runs_with_totals(), 24).get_page(request.GET.get("page"))
    return render(request, "payroll/run_list.html", {
        "page_obj": page, "error": error, "post": request.POST,
        "default_month": f"{timezone.localdate():%Y-%m}",
    }, status=400 if error else 200)


@login_required
@member_required(*PAYROLL_ROLES)
def run_detail(request, pk: int):
    run = payroll_run_get_for(actor=request.membership, pk=pk)
    lines = run.lines.select_related("entrepreneur").order_by("-funded", "entrepreneur__last_name", "id")
    if request.GET.get("alertes") == "1":
        lines = lines.filter(funded=False)
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "payroll/run_detail.html", {
        "run": run, "page_obj": page, "totals": run_totals(run), "alerts_only": request.GET.get("alertes") == "1",
        "querystring_base": "alertes=1&" if request.GET.get("alertes") == "1" else "",
    })


@login_required
@member_required(*PAYROLL_ROLES)
@require_POST
def run_action(request, pk: int):
    run = payroll_run_get_for(actor=request.membership, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "check":
            runs.payroll_run_check(run=run, acting_user=request.user)
            messages.success(request, _("Paie marquée comme vérifiée."))
        elif action == "reopen":
            runs.payroll_run_reopen(run=run, acting_user=request.user)
            messages.success(request, _("Paie rouverte en brouillon."))
        elif action == "recompute":
            runs.payroll_run_recompute(run=run, variable_share=request.POST.get("variable_share") or None,
                                       acting_user=request.user)
            messages.success(request, _("Paie recalculée."))
        elif action == "close":
            runs.payroll_run_close(run=run, acting_user=request.user)
            messages.success(request, _("Paie clôturée : écritures passées, bulletins en préparation."))
        elif action == "delete":
            runs.payroll_run_delete(run=run, acting_user=request.user)
            messages.success(request, _("Paie supprimée."))
            return redirect("payroll:runs")
        else:
            raise AppError("unknown_action", _("Action inconnue."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("payroll:run", pk=pk)


@login_required
@member_required(*PAYROLL_ROLES)
def line_detail(request, pk: int):
    line = payroll_line_get_for(actor=request.membership, pk=pk)
    error = None
    if request.method == "POST":
        try:
            runs.payroll_line_adjust(line=line, gross=request.POST.get("gross", ""),
                                     reason=request.POST.get("reason", ""), acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Brut ajusté et bulletin recalculé."))
            return redirect("payroll:line", pk=pk)
    from .payslips import payslip_blocks

    return render(request, "payroll/line_detail.html", {
        "line": line, "run": line.run, "blocks": payslip_blocks(line), "error": error, "post": request.POST,
        "editable": line.run.state != PayrollRun.State.CLOSED,
    }, status=400 if error else 200)


@login_required
@member_required(*PAYROLL_ROLES)
def contributions(request, pk: int):
    run = payroll_run_get_for(actor=request.membership, pk=pk)
    if request.GET.get("format") == "csv":
        response = HttpResponse(contributions_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cotisations-{run.month:%Y-%m}.csv"'
        return response
    return render(request, "payroll/contributions.html", {"run": run, "rows": contributions_summary(run)})


@login_required
@member_required()
def payslip_pdf(request, pk: int):
    """The employee's own closed payslips, or any for the payroll staff (an open run's payslip is
    a preview for them, marked as such and not stored)."""
    line = payroll_line_get_for(actor=request.membership, pk=pk)
    from .payslips import payslip_file
    from .payslips import payslip_pdf as render_pdf

    filename = f"bulletin-{line.run.month:%Y-%m}-{line.entrepreneur_id}.pdf"
    path = payslip_file(line=line)
    if path is None:
        response = HttpResponse(render_pdf(line=line, cooperative=request.cooperative), content_type="application/pdf")
    else:
        response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@member_required()
def my_payslips(request):
    if request.membership.is_staff_role:
        raise PermissionDenied
    year = _year(request)
    person = people_visible_to(request.membership).first()
    lines = (lines_visible_to(request.membership).filter(run__month__year=year).order_by("-run__month", "-id")
             if person else [])
    return render(request, "payroll/my_payslips.html", {"person": person, "lines": lines, "year": year})


@login_required
@member_required()
def summary(request, person_pk: int | None = None):
    """The annual summary of a person's pay: their own, or anyone's for the payroll staff."""
    if person_pk is None:
        person = None if request.membership.is_staff_role else people_visible_to(request.membership).first()
        if person is None:
            raise PermissionDenied
    else:
        if not is_payroll_staff(request.membership):
            raise Http404
        person = person_get_for(actor=request.membership, pk=person_pk)
    year = _year(request)
    return render(request, "payroll/summary.html", {"person": person, **annual_summary(entrepreneur=person, year=year),
                                                    "is_staff": is_payroll_staff(request.membership)})


@login_required
@member_required(*PAYROLL_ROLES)
def payroll_settings(request):
    """This CAE's payroll settings (head-count band, AT/MP rate, health cover), for the payroll
    staff: each CAE's own row, in its own schema."""
    from essaim.payrates.selectors import rates_for

    from .models import PayrollSettings
    from .services import SETTINGS_LABELS, payroll_settings_parse, payroll_settings_update

    error = None
    if request.method == "POST":
        try:
            payroll_settings_update(acting_user=request.user, **payroll_settings_parse(request.POST))
        except AppError as exc:
            error = exc
        else:
            messages.success(request, _("Réglages de paie enregistrés : ils s'appliquent aux paies calculées à "
                                        "partir de maintenant."))
            return redirect("payroll:settings")
    current = PayrollSettings.current()

    def shown(value) -> str:
        return "" if value is None else value if isinstance(value, str) else number_format(value)

    # After a refusal the form shows what was typed; otherwise what is stored.
    values = request.POST if error else {name: shown(getattr(current, name)) for name in SETTINGS_LABELS}
    try:
        national = rates_for(timezone.localdate()).atmp_default_rate * 100
    except AppError:
        national = None
    return render(request, "payroll/settings.html", {
        "settings": current, "values": values, "labels": SETTINGS_LABELS, "error": error, "national_atmp": national,
        "bands": PayrollSettings.HeadcountBand.choices, "covers": PayrollSettings.HealthCover.choices,
    }, status=400 if error else 200)


@login_required
@member_required(*PAYROLL_ROLES)
def withholding(request):
    from datetime import date

    from .services import withholding_rate_set

    error = None
    people = people_visible_to(request.membership).exclude(stage="exited").order_by("last_name", "first_name", "id")
    if request.method == "POST":
        try:
            person_id = request.POST.get("entrepreneur", "")
            person = people.filter(pk=int(person_id)).first() if person_id.isdecimal() else None
            if person is None:
                raise AppError("withholding_person_invalid", _("Choisissez une personne de la liste."),
                               field="entrepreneur")
            start = runs.month_parse(request.POST.get("effective_from", ""))
            row = withholding_rate_set(entrepreneur=person, rate=request.POST.get("rate", ""), effective_from=start,
                                       acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Taux de %(r)s %% enregistré pour %(p)s à partir de %(m)s.") % {
                "r": number_format(row.rate, 2), "p": person, "m": f"{row.effective_from:%m/%Y}"})
            return redirect("payroll:withholding")
    q = request.GET.get("q", "").strip()
    listed = people.filter(last_name__icontains=q) if q else people
    page = Paginator(listed.only("id", "first_name", "last_name", "stage"), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rates = current_pas_rates([p.pk for p in page], date(today.year, today.month, 1))
    rows = [(person, rates.get(person.pk)) for person in page]
    return render(request, "payroll/withholding.html", {
        "page_obj": page, "rows": rows, "error": error, "post": request.POST, "q": q,
        "querystring_base": f"{urlencode({'q': q})}&",
        "people": people.only("id", "first_name", "last_name"), "default_month": f"{today:%Y-%m}",
    }, status=400 if error else 200)


@login_required
@member_required()
def simulator(request, person_pk: int | None = None):
    from .charts import line_chart
    from .simulator import simulate

    if person_pk is None:
        person = None if request.membership.is_staff_role else people_visible_to(request.membership).first()
        if person is None:
            raise PermissionDenied
    else:
        person = person_get_for(actor=request.membership, pk=person_pk)
    mode = request.GET.get("mode", "gross")
    amount = request.GET.get("montant", "").strip()
    months = request.GET.get("mois", "24").strip()
    result = chart = error = None
    if amount:
        try:
            if mode not in ("gross", "envelope"):
                raise AppError("simulator_mode", _("Choisissez « salaire brut » ou « enveloppe »."), field="mode")
            if not months.isdecimal():
                raise AppError("simulator_months_invalid", _("La projection porte sur 1 à 60 mois."), field="months")
            result = simulate(entrepreneur=person, today=timezone.localdate(), months=int(months),
                              **{mode: amount})
        except AppError as exc:
            error = exc.message
        else:
            chart = line_chart(result.projection, title=_("Solde projeté du compte d'activité"))
    return render(request, "payroll/simulator.html", {
        "person": person, "mode": mode, "amount": amount, "months": months, "result": result, "chart": chart,
        "error": error, "own": person_pk is None,
    }, status=400 if error else 200)
