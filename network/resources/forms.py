"""Forms of the library pages: they read and type the input; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.cooperatives.models import Cooperative

from .models import Audience, Kind, Language, Resource, Sector, Theme, WorkingGroup


class ProposeForm(forms.Form):
    author = forms.ChoiceField(label=_("Proposée au nom de"))
    title = forms.CharField(label=_("Titre"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    theme = forms.ChoiceField(label=_("Thème"), choices=Theme.choices)
    sector = forms.ChoiceField(label=_("Secteur"), choices=Sector.choices, initial=Sector.ALL)
    audience = forms.ChoiceField(label=_("Public"), choices=Audience.choices)
    language = forms.ChoiceField(label=_("Langue"), choices=Language.choices, initial=Language.FR)
    summary = forms.CharField(label=_("Résumé"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)
    body = forms.CharField(label=_("Texte (facultatif, pour la recherche)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}), max_length=100_000)
    visibility = forms.ChoiceField(label=_("Visibilité"), choices=Resource.Visibility.choices,
                                   initial=Resource.Visibility.NETWORK)
    named_cooperatives = forms.ModelMultipleChoiceField(label=_("CAE destinataires (visibilité « CAE nommées »)"),
                                                        queryset=Cooperative.objects.order_by("name"), required=False)
    file = forms.FileField(label=_("Fichier (PDF, bureautique, PNG, JPEG)"), required=False)
    url = forms.URLField(label=_("… ou lien (vidéo, page)"), required=False, max_length=500, assume_scheme="https")
    notes = forms.CharField(label=_("Notes de version"), required=False, max_length=2000)
    payload = forms.CharField(label=_("Contenu installable (JSON, modèles seulement)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    install_at_launch = forms.BooleanField(label=_("Installer à chaque lancement de CAE"), required=False)
    working_group = forms.ModelChoiceField(label=_("Produite par le groupe de travail"), required=False,
                                           queryset=WorkingGroup.objects.none(), empty_label=_("— aucun —"))

    def __init__(self, *args, authors: list[tuple[str, str]], can_launch: bool, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].choices = authors
        if not can_launch:
            del self.fields["install_at_launch"]
        if groups is None:
            del self.fields["working_group"]
        else:
            self.fields["working_group"].queryset = groups  # the groups the proposer may see

    def clean_payload(self):
        text = self.cleaned_data["payload"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("JSON illisible : %(e)s") % {"e": exc}) from exc


class VersionForm(forms.Form):
    file = forms.FileField(label=_("Fichier (PDF, bureautique, PNG, JPEG)"), required=False)
    url = forms.URLField(label=_("… ou lien"), required=False, max_length=500, assume_scheme="https")
    notes = forms.CharField(label=_("Notes de version"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class WorkingGroupForm(forms.Form):
    """Which working group produced a resource (its page lists it)."""

    working_group = forms.ModelChoiceField(label=_("Produite par le groupe de travail"), required=False,
                                           queryset=WorkingGroup.objects.none(), empty_label=_("— aucun —"))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_group"].queryset = groups


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=160)
    theme = forms.ChoiceField(label=_("Thème"), choices=[("", "—"), *Theme.choices], required=False)
    sector = forms.ChoiceField(label=_("Secteur"), choices=[("", "—"), *Sector.choices], required=False)
    description = forms.CharField(label=_("Objectifs"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    coordinator = forms.EmailField(label=_("Coordination (adresse e-mail d'un compte)"), required=False)
    member_cooperatives = forms.ModelMultipleChoiceField(label=_("CAE membres"), required=False,
                                                         queryset=Cooperative.objects.order_by("name"))


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Date et heure"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Lieu"), required=False, max_length=200)
    visio_url = forms.URLField(label=_("Lien de visioconférence"), required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Ordre du jour"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
