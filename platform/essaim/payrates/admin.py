from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from essaim.core.errors import AppError

from .models import RateTable
from .rateset import rateset_parse
from .services import rate_table_load


class RateTableForm(forms.ModelForm):
    class Meta:
        model = RateTable
        fields = ["valid_from", "valid_to", "document", "source"]

    def clean(self):
        cleaned = super().clean()
        document = cleaned.get("document")
        if document is not None:
            try:
                rates = rateset_parse(document)
            except AppError as exc:
                raise ValidationError({"document": exc.message}) from exc
            # valid_from is read-only once saved, so it is then absent from the form.
            valid_from = cleaned.get("valid_from", self.instance.valid_from)
            if rates.valid_from != valid_from or rates.valid_to != cleaned.get("valid_to"):
                raise ValidationError("Les dates doivent être celles du document (valid_from, valid_to).")
        return cleaned


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
    form = RateTableForm
    list_display = ["valid_from", "valid_to", "source", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "valid_from"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Through the service, so that an open-ended earlier table is closed as by the command.
        saved = rate_table_load(document=obj.document, source=obj.source, replace=change, acting_user=request.user)
        obj.pk = saved.pk
