"""The CAE's invoicing settings (director and accounts, as the contribution rates): numbering
policy, contribution basis, late-penalty rate, payment days. Validation is the service's
(policy.py); nothing is written unless every field is valid."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from essaim.core.errors import AppError
from essaim.ui.access import member_required

from .models import ActivitySettings, NumberingChange
from .policy import activity_settings_update, numbering_change_date, numbering_latest, numbering_on
from .selectors import FINANCE_ROLES


class ActivitySettingsForm(forms.Form):
    # Plain text fields: the service checks every value and names the field in its message.
    numbering = forms.CharField(label=gettext_lazy("Numérotation des factures, avoirs et devis"), required=False,
                                widget=forms.Select(choices=ActivitySettings.Numbering.choices))
    contribution_basis = forms.CharField(label=gettext_lazy("Assiette de la contribution coopérative"),
                                         required=False,
                                         widget=forms.Select(choices=ActivitySettings.ContributionBasis.choices))
    late_penalty_rate = forms.CharField(label=gettext_lazy("Taux des pénalités de retard (%)"), required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
    payment_days = forms.CharField(label=gettext_lazy("Délai de paiement (jours après la date de facture)"),
                                   required=False, widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))


@login_required
@member_required(*FINANCE_ROLES)
def activity_settings(request):
    settings = ActivitySettings.current()
    today = timezone.localdate()
    initial = {"numbering": numbering_latest(settings), "contribution_basis": settings.contribution_basis,
               "late_penalty_rate": f"{settings.late_penalty_rate:.2f}".replace(".", ","),
               "payment_days": str(settings.payment_days)}
    form = ActivitySettingsForm(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = activity_settings_update(acting_user=request.user, today=today, **form.cleaned_data)
        except AppError as exc:
            error = exc.message
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
        else:
            if result.numbering_from and result.numbering_from > today:
                messages.success(request, _("Réglages enregistrés. La nouvelle numérotation s'appliquera à partir "
                                            "du %(d)s : des documents ont déjà été numérotés cette année.") % {
                    "d": f"{result.numbering_from:%d/%m/%Y}"})
            else:
                messages.success(request, _("Réglages enregistrés."))
            return redirect("activity:settings")
    numbering_labels = dict(ActivitySettings.Numbering.choices)
    return render(request, "activity/settings.html", {
        "form": form, "error": error, "today": today,
        "numbering_today": numbering_labels[numbering_on(today, settings)],
        "scheduled": [(change.valid_from, numbering_labels[change.numbering])
                      for change in NumberingChange.objects.filter(valid_from__gt=today).order_by("valid_from")],
        "change_from": numbering_change_date(today),
    }, status=400 if error else 200)
