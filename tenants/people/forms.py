from django import forms
from django.utils.translation import gettext_lazy as _

from .journey import EventKind, ExitOutcome
from .models import Entrepreneur, Site


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
