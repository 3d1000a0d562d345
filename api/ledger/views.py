"""Ledger endpoints for accountants (scope `ledger:read`): trial balance and FEC export jobs."""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from api.keys.models import Scope
from api.views import TenantAPIView
from tenants.ledger.models import FecExport
from tenants.ledger.services import fec_export_request, trial_balance


class YearInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class FecExportOutput(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = FecExport
        fields = ["id", "year", "status", "lines", "error", "requested_at", "finished_at", "download"]

    def get_download(self, export) -> str | None:
        if export.status != FecExport.Status.DONE:
            return None
        return reverse("api-fec-export-file", args=[export.pk])


class TrialBalance(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(
        summary="Balance générale d'un exercice", tags=["comptabilité"],
        parameters=[OpenApiParameter("year", int, required=False)],
        responses=inline_serializer("TrialBalanceRow", many=True, fields={
            "account": serializers.CharField(), "label": serializers.CharField(),
            "debit": serializers.DecimalField(max_digits=14, decimal_places=2),
            "credit": serializers.DecimalField(max_digits=14, decimal_places=2),
            "balance": serializers.DecimalField(max_digits=14, decimal_places=2)}),
    )
    def get(self, request):
        data = YearInput(data={"year": request.query_params.get("year", timezone.localdate().year)})
        data.is_valid(raise_exception=True)
        rows = trial_balance(year=data.validated_data["year"])
        return Response([{**row, **{k: f"{row[k]:.2f}" for k in ("debit", "credit", "balance")}} for row in rows])


class FecExports(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="Lancer l'export FEC d'un exercice (tâche en arrière-plan)", tags=["comptabilité"],
                   request=YearInput, responses={202: FecExportOutput})
    def post(self, request):
        data = YearInput(data=request.data)
        data.is_valid(raise_exception=True)
        export = fec_export_request(year=data.validated_data["year"])
        return Response(FecExportOutput(export).data, status=status.HTTP_202_ACCEPTED)


class FecExportDetail(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="État d'un export FEC", tags=["comptabilité"], responses=FecExportOutput)
    def get(self, request, pk: int):
        export = FecExport.objects.filter(pk=pk).first()
        if export is None:
            raise Http404
        return Response(FecExportOutput(export).data)


class FecExportFile(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="Télécharger le FEC", tags=["comptabilité"], responses={(200, "text/plain"): bytes})
    def get(self, request, pk: int):
        from pathlib import Path

        export = FecExport.objects.filter(pk=pk, status=FecExport.Status.DONE).first()
        if export is None or not Path(export.file_path).exists():
            raise Http404
        path = Path(export.file_path)
        return FileResponse(path.open("rb"), content_type="text/plain; charset=utf-8", as_attachment=True,
                            filename=path.name)
