"""The CAE's contribution rates (director and accounts): the schedule, and a form to add a rate."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from essaim.core.errors import AppError
from essaim.ui.access import member_required

from .contributions import contribution_rate_on, contribution_rate_set, registry_rate
from .models import ContributionRate
from .selectors import FINANCE_ROLES


@login_required
@member_required(*FINANCE_ROLES)
def contribution_rates(request):
    error = None
    if request.method == "POST":
        try:
            try:
                valid_from = date.fromisoformat(request.POST.get("valid_from", ""))
            except ValueError as exc:
                raise AppError("contribution_rate_date_invalid", _("Date d'entrée en vigueur invalide."),
                               field="valid_from") from exc
            row = contribution_rate_set(valid_from=valid_from, rate=request.POST.get("rate", ""),
                                        note=request.POST.get("note", "")[:200], acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Taux de %(r)s %% enregistré à partir du %(d)s.") % {
                "r": number_format(row.rate, 2), "d": f"{row.valid_from:%d/%m/%Y}"})
            return redirect("activity:contribution-rates")
    today = timezone.localdate()
    return render(request, "activity/contribution_rates.html", {
        "rates": ContributionRate.objects.order_by("-valid_from"), "current": contribution_rate_on(today),
        "initial": registry_rate(), "error": error, "post": request.POST, "today": today,
    }, status=400 if error else 200)
