import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import rules
from .journey import EventKind, ExitOutcome
from .models import Entrepreneur, Site
from .services import PEOPLE_SETTINGS_LABELS


class EntrepreneurForm(forms.ModelForm):
    opened_on = forms.DateField(label=_("Premier contact"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Par défaut aujourd'hui ; une date passée permet de saisir un parcours déjà commencé."))
    class Meta:
        model = Entrepreneur
        fields = ["first_name", "last_name", "gender", "birth_date", "email", "phone", "address", "postal_code",
                  "city", "entry_situation", "education_level", "referrer", "activity_description", "trading_name", "sector_naf",
                  "site", "counsellor"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "activity_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, counsellors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(is_active=True)
        if counsellors is not None:
            self.fields["counsellor"].queryset = counsellors
        self.fields["counsellor"].required = False

    def clean_opened_on(self):
        from django.utils import timezone

        value = self.cleaned_data.get("opened_on") or timezone.localdate()
        if value > timezone.localdate():
            raise forms.ValidationError(_("Le premier contact ne peut pas être dans le futur."))
        return value


class JourneyEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Étape"), choices=EventKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Fin du CAPE"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    weekly_hours = forms.DecimalField(label=_("Heures hebdomadaires"), required=False, max_digits=4, decimal_places=2)
    monthly_gross = forms.DecimalField(label=_("Salaire brut mensuel (€)"), required=False, max_digits=9,
                                       decimal_places=2)
    outcome = forms.ChoiceField(label=_("Issue de la sortie"), required=False,
                                choices=[("", "—"), *ExitOutcome.choices])

    def __init__(self, *args, allowed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["kind"].choices = [(k, label) for k, label in EventKind.choices if k in allowed]


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "kind", "address", "postal_code", "city", "department"]


def _whole_number(value: str, *, label: str, unit: str, low: int, high: int) -> int:
    """A whole number typed in a text box, within [low, high]; the French message names the field
    (`unit` with its preposition: « de jours », « d'années »)."""
    text = (value or "").strip()
    # ASCII digits only: int() would also take « ٣ », « 1_0 » or « +5 ».
    if not re.fullmatch(r"[0-9]{1,4}", text) or not low <= int(text) <= high:
        raise forms.ValidationError(
            gettext("« %(label)s » : indiquez un nombre entier %(unit)s, de %(low)s à %(high)s.")
            % {"label": label, "unit": unit, "low": low, "high": high}, code="out_of_range")
    return int(text)


class PeopleSettingsForm(forms.Form):
    """The director's page. Text boxes rather than number inputs, so every refusal is ours, in
    French, naming the field; the service checks the values again."""

    YES, NO = "oui", "non"

    cesa_requires_first_revenue = forms.ChoiceField(
        label=PEOPLE_SETTINGS_LABELS["cesa_requires_first_revenue"], choices=[(YES, _("Oui")), (NO, _("Non"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("« Un CESA suppose un premier chiffre d'affaires » : répondez oui ou non."),
                        "invalid_choice": _("« Un CESA suppose un premier chiffre d'affaires » : répondez oui ou "
                                            "non.")},
        help_text=_("Si oui, le CESA ne peut commencer qu'après le premier chiffre d'affaires de l'activité."))
    retention_years = forms.CharField(
        label=PEOPLE_SETTINGS_LABELS["retention_years"], required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3}),
        help_text=_("Passé ce délai après la dernière sortie, les données identifiantes sont effacées (1 à 30 ans)."))
    cape_warning_days = forms.CharField(
        label=PEOPLE_SETTINGS_LABELS["cape_warning_days"], required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3}),
        help_text=_("L'accompagnateur·rice est prévenu·e ce nombre de jours avant la fin de chaque période de CAPE "
                    "(7 à 90 jours)."))
    associate_warning_months = forms.CharField(
        label=PEOPLE_SETTINGS_LABELS["associate_warning_months"], required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 3}),
        help_text=_("Premier rappel avant l'échéance des 3 ans après le début du CESA (1 à 12 mois) ; suivent les "
                    "rappels à 6, 3 et 1 mois qui tombent après lui."))

    def clean_cesa_requires_first_revenue(self) -> bool:
        return self.cleaned_data["cesa_requires_first_revenue"] == self.YES

    def clean_retention_years(self) -> int:
        return _whole_number(self.cleaned_data.get("retention_years", ""), unit=_("d'années"), low=1, high=30,
                             label=PEOPLE_SETTINGS_LABELS["retention_years"])

    def clean_cape_warning_days(self) -> int:
        return _whole_number(self.cleaned_data.get("cape_warning_days", ""), unit=_("de jours"),
                             low=rules.CAPE_WARNING_DAYS_MIN, high=rules.CAPE_WARNING_DAYS_MAX,
                             label=PEOPLE_SETTINGS_LABELS["cape_warning_days"])

    def clean_associate_warning_months(self) -> int:
        return _whole_number(self.cleaned_data.get("associate_warning_months", ""), unit=_("de mois"),
                             low=rules.ASSOCIATE_WARNING_MONTHS_MIN, high=rules.ASSOCIATE_WARNING_MONTHS_MAX,
                             label=PEOPLE_SETTINGS_LABELS["associate_warning_months"])

    @classmethod
    def initial_from(cls, settings) -> dict:
        return {"cesa_requires_first_revenue": cls.YES if settings.cesa_requires_first_revenue else cls.NO,
                "retention_years": str(settings.retention_years),
                "cape_warning_days": str(settings.cape_warning_days),
                "associate_warning_months": str(settings.associate_warning_months)}
