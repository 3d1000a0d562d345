"""Payroll for accountants (scope `payroll:read`): monthly runs with their lines, amounts only
(no name, no tax rate, no adjustment reason: the entrepreneur's id is the only link to a person),
and the contributions owed to each fund for a month, as CSV.

The payroll journal itself (journal `PA`) is part of the ledger: /api/v1/ledger-entries and the
FEC carry it with the other journals (scope `ledger:read`)."""

import django_filters
from django import forms
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from api.activity.documents import _DocumentRenderer
from api.keys.models import Scope
from api.rows import Child, ValuesListAPIView, ValuesPlan, ValuesRetrieveAPIView, path_id
from api.views import TenantAPIView
from tenants.payroll.models import PayrollLine, PayrollRun
from tenants.payroll.selectors import contributions_csv

MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}


class PayrollLineSerializer(serializers.ModelSerializer):
    entrepreneur_id = serializers.IntegerField(read_only=True, help_text="L'entrepreneur·e payé·e "
                                               "(`/api/v1/people/<id>`), axe analytique des écritures de paie.")
    contract_id = serializers.IntegerField(read_only=True, help_text="Le CESA payé (`/api/v1/contracts`).")

    class Meta:
        model = PayrollLine
        fields = ["id", "entrepreneur_id", "contract_id", "fixed_gross", "available", "envelope", "funded", "gross",
                  "adjusted", "employee_contributions", "employer_contributions", "rgdu", "net_before_tax",
                  "taxable_net", "pas", "net_paid", "total_cost"]
        extra_kwargs = {
            "fixed_gross": {"help_text": "Part fixe du contrat pour le mois (proratisée en cas d'entrée ou de sortie)."},
            "available": {"help_text": "Disponible du compte d'activité à la fin du mois, avant ce salaire."},
            "envelope": {"help_text": "Enveloppe : coût de la part fixe + part variable choisie par la CAE."},
            "funded": {"help_text": "Le disponible finance-t-il le coût de la part fixe ?"},
            "gross": {"help_text": "Salaire brut."},
            "adjusted": {"help_text": "Brut ajusté par l'équipe de paie."},
            "employee_contributions": {"help_text": "Cotisations et contributions salariales."},
            "employer_contributions": {"help_text": "Cotisations patronales avant l'allègement."},
            "rgdu": {"help_text": "Allègement de cotisations (réduction générale dégressive unique) du mois."},
            "net_before_tax": {"help_text": "Net à payer avant impôt sur le revenu."},
            "taxable_net": {"help_text": "Net imposable."},
            "pas": {"help_text": "Impôt sur le revenu prélevé à la source."},
            "net_paid": {"help_text": "Net payé."},
            "total_cost": {"help_text": "Total versé par l'employeur (brut + cotisations patronales − allègement)."},
        }


class PayrollRunSerializer(serializers.ModelSerializer):
    lines = PayrollLineSerializer(many=True, read_only=True, help_text="Une ligne par CESA payé ce mois-ci.")

    class Meta:
        model = PayrollRun
        fields = ["id", "month", "state", "variable_share", "computed_at", "checked_at", "closed_at", "lines"]
        extra_kwargs = {
            "month": {"help_text": "Premier jour du mois payé."},
            "state": {"help_text": "`draft` brouillon, `checked` vérifiée, `closed` clôturée (définitive, écritures "
                                   "passées au journal PA)."},
            "variable_share": {"help_text": "Part variable : % du disponible au-delà du coût de la part fixe."},
            "closed_at": {"help_text": "Clôture, ou null."},
        }


RUN_PLAN = ValuesPlan(PayrollRunSerializer, children={"lines": Child(PayrollLine.objects.all, "run_id",
                                                                     ValuesPlan(PayrollLineSerializer))})


class _YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # a whole year: 2026.5 or 10**12 is a 400, not a guess or a 500


class PayrollRunFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PayrollRun.State.choices, help_text="D'un seul état.")
    year = _YearFilter(field_name="month__year", min_value=2000, max_value=2100, help_text="D'une seule année.")

    class Meta:
        model = PayrollRun
        fields = ["state", "year"]


@extend_schema(summary="Paies mensuelles, avec leurs lignes (montants seulement)", tags=["paie"])
class PayrollRunList(ValuesListAPIView):
    required_scopes = (Scope.PAYROLL_READ,)
    serializer_class = PayrollRunSerializer
    filterset_class = PayrollRunFilter
    plan = RUN_PLAN

    def get_queryset(self):
        return PayrollRun.objects.all()


@extend_schema(summary="Une paie mensuelle", parameters=[path_id("de la paie")], tags=["paie"])
class PayrollRunDetail(ValuesRetrieveAPIView):
    required_scopes = (Scope.PAYROLL_READ,)
    serializer_class = PayrollRunSerializer
    plan = RUN_PLAN

    def get_queryset(self):
        return PayrollRun.objects.all()


class _CsvRenderer(_DocumentRenderer):
    media_type = "text/csv"
    format = "csv"


class PayrollContributions(TenantAPIView):
    required_scopes = (Scope.PAYROLL_READ,)
    renderer_classes = (_CsvRenderer, JSONRenderer)  # `Accept: text/csv` is not a 406

    def handle_exception(self, exc):
        # errors are the API's usual JSON, whatever media type the client accepted
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(summary="Cotisations dues par organisme pour une paie (CSV)", tags=["paie"],
                   parameters=[path_id("de la paie")], responses={(200, "text/csv"): bytes})
    def get(self, request, pk: int):
        run = PayrollRun.objects.filter(pk=pk).first()
        if run is None:
            raise Http404
        response = HttpResponse(contributions_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cotisations-{run.month:%Y-%m}.csv"'
        return response
