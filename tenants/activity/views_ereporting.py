"""The e-reporting page (director and accounts): the CAE's calendar, each period's reports, what
went into them and their acknowledgement by the platform; a complete period is sent by hand if the
daily task has not done it yet, a rejected report is resent."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from essaim.core.errors import AppError
from essaim.core.params import int_param
from essaim.ui.access import member_required
from tenants.einvoicing.models import Report, ReportingFrequency
from tenants.einvoicing.periods import Period, frequency_on

from .ereporting import ereporting_frequency_set, ereporting_send, periods_overview
from .selectors import FINANCE_ROLES


@login_required
@member_required(*FINANCE_ROLES)
def ereporting_page(request):
    today = timezone.localdate()
    return render(request, "activity/ereporting.html", {
        "rows": periods_overview(today=today), "frequency": dict(ReportingFrequency.Frequency.choices)[frequency_on(today)],
        "frequencies": ReportingFrequency.Frequency.choices,
        "scheduled": ReportingFrequency.objects.filter(valid_from__gt=today),
    })


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise AppError("date_invalid", "Date invalide (AAAA-MM-JJ).", field=field) from exc


@login_required
@member_required(*FINANCE_ROLES)
@require_POST
def ereporting_action(request):
    try:
        if request.POST.get("action") == "frequency":
            ereporting_frequency_set(frequency=request.POST.get("frequency", ""),
                                     valid_from=_date(request.POST.get("valid_from", ""), "valid_from"),
                                     acting_user=request.user, today=timezone.localdate())
            messages.success(request, "Fréquence enregistrée.")
        else:
            replaces = None
            if request.POST.get("replaces"):
                report_pk = int_param(request.POST["replaces"])
                replaces = (Report.objects.select_related("flow").filter(pk=report_pk).first()
                            if report_pk is not None else None)
                if replaces is None:
                    raise AppError("report_unknown", "Rapport introuvable.")
                period = Period(replaces.period_start, replaces.period_end)
            else:
                period = Period(_date(request.POST.get("start", ""), "start"), _date(request.POST.get("end", ""), "end"))
                if period.end >= timezone.localdate():
                    raise AppError("period_open", "Une période se transmet une fois terminée.")
            made = ereporting_send(period=period, cooperative=request.cooperative, acting_user=request.user,
                                   replaces=replaces)
            messages.success(request, f"{len(made)} rapport(s) confié(s) à la plateforme pour la période {period}.")
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("activity:ereporting")
