"""Forms of the catalogue pages. The limits are those a template's payload must respect
(`network.resources.templates.payload_validate`), so what a CAE writes could also be installed."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccountLabel, DocumentModel, JournalLabel, WorkshopModel

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class _CatalogueForm(forms.ModelForm):
    key_field = "key"

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The natural key is how the network's templates know the item: it stays.
            del self.fields[self.key_field]


class _KeyedForm(_CatalogueForm):
    """Workshops and documents are known by a code, the `key` of a template's payload."""

    key = forms.CharField(label=_("Code"), max_length=80,
                          help_text=_("Minuscules, chiffres et tirets ; il ne change plus ensuite."))

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_RE.match(key):
            raise forms.ValidationError(_("Le code s'écrit en minuscules, chiffres et tirets "
                                          "(ex. gerer-sa-tresorerie)."))
        return key


class WorkshopModelForm(_KeyedForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    duration_minutes = forms.IntegerField(label=_("Durée (min)"), min_value=15, max_value=1440)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = WorkshopModel
        fields = ["key", "title", "theme", "duration_minutes", "capacity", "description"]
        labels = {"theme": _("Thème")}


class DocumentModelForm(_KeyedForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    body = forms.CharField(label=_("Texte"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 16}))

    class Meta:
        model = DocumentModel
        fields = ["key", "title", "kind", "body"]
        labels = {"kind": _("Type")}


class AccountLabelForm(_CatalogueForm):
    key_field = "number"

    class Meta:
        model = AccountLabel
        fields = ["number", "label"]
        labels = {"number": _("Numéro de compte"), "label": _("Libellé")}
        help_texts = {"number": _("Classe 1 à 8, 3 à 10 chiffres ou majuscules (ex. 706100).")}

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class JournalLabelForm(_CatalogueForm):
    key_field = "code"

    class Meta:
        model = JournalLabel
        fields = ["code", "label"]
        labels = {"code": _("Code du journal"), "label": _("Libellé")}
        help_texts = {"code": _("2 à 4 majuscules ou chiffres (ex. OD).")}

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


FORMS = {"ateliers": WorkshopModelForm, "documents": DocumentModelForm, "comptes": AccountLabelForm,
         "journaux": JournalLabelForm}
