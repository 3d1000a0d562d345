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
from .policy import (
    activity_settings_update,
    numbering_change_date,
    numbering_latest,
    numbering_on,
    vat_on_debits,
    vat_on_debits_scheduled,
    vat_on_debits_set,
)
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


class VatOnDebitsForm(forms.Form):
    """The option for paying VAT on debits (CGI art. 269-2-c), from a date on (policy.vat_on_debits_set)."""

    on = forms.ChoiceField(label=gettext_lazy("Option pour le paiement de la TVA d'après les débits"),
                           choices=[("yes", gettext_lazy("Oui : la TVA des prestations est due à la facturation")),
                                    ("no", gettext_lazy("Non : la TVA des prestations est due à l'encaissement"))])
    valid_from = forms.CharField(label=gettext_lazy("À partir du"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))


def _vat_on_debits_post(request, today):
    form = VatOnDebitsForm(request.POST, prefix="debits")
    if form.is_valid():
        try:
            vat_on_debits_set(on=form.cleaned_data["on"] == "yes",
                              valid_from=form.cleaned_data["valid_from"] or today.isoformat(), acting_user=request.user)
        except AppError as exc:
            form.add_error("valid_from" if exc.field == "valid_from" else None, exc.message)
            return form, exc.message
        messages.success(request, _("Option pour la TVA d'après les débits enregistrée."))
        return None, None
    return form, _("Le formulaire comporte des erreurs : voyez les champs signalés.")


@login_required
@member_required(*FINANCE_ROLES)
def activity_settings(request):
    settings = ActivitySettings.current()
    today = timezone.localdate()
    debits_form = VatOnDebitsForm(prefix="debits", initial={"on": "yes" if vat_on_debits(on=today) else "no",
                                                            "valid_from": today.isoformat()})
    debits_error = None
    if request.method == "POST" and request.POST.get("section") == "vat_on_debits":
        posted, debits_error = _vat_on_debits_post(request, today)
        if posted is None:
            return redirect("activity:settings")
        debits_form = posted
    initial = {"numbering": numbering_latest(settings), "contribution_basis": settings.contribution_basis,
               "late_penalty_rate": f"{settings.late_penalty_rate:.2f}".replace(".", ","),
               "payment_days": str(settings.payment_days)}
    settings_posted = request.method == "POST" and request.POST.get("section") != "vat_on_debits"
    form = ActivitySettingsForm(request.POST if settings_posted else None, initial=initial)
    error = None
    if settings_posted and form.is_valid():
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
        "debits_form": debits_form, "debits_error": debits_error, "vat_on_debits_today": vat_on_debits(on=today),
        "debits_scheduled": vat_on_debits_scheduled(after=today),
    }, status=400 if error or debits_error else 200)
