"""The form to schedule a workshop, optionally started from a model of the CAE's catalogue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.catalogue.selectors import workshop_models_for_scheduling
from tenants.people.models import Site

from .models import Workshop


class WorkshopForm(forms.ModelForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Début"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Durée (min)"), min_value=15, max_value=1440, initial=180)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500, initial=12)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    catalogue_model = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput,
                                             error_messages={"invalid_choice": _(
                                                 "Ce modèle n'est pas au catalogue des ateliers de la CAE.")})

    class Meta:
        model = Workshop
        fields = ["title", "theme", "starts_at", "duration_minutes", "site", "capacity", "facilitator_staff",
                  "description", "open_to_self_registration"]
        labels = {"theme": _("Thème"), "site": _("Site"), "facilitator_staff": _("Animation (équipe)"),
                  "open_to_self_registration": _("Inscription libre des entrepreneur·es")}

    def __init__(self, *args, staff_users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(is_active=True)
        self.fields["facilitator_staff"].queryset = staff_users if staff_users is not None else \
            self.fields["facilitator_staff"].queryset.none()
        self.fields["facilitator_staff"].required = False
        self.fields["facilitator_staff"].label_from_instance = lambda user: user.get_full_name() or user.email
        self.fields["catalogue_model"].queryset = workshop_models_for_scheduling()
