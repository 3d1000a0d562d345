"""Ledger endpoints for accountants (scope `ledger:read`): trial balance and FEC export jobs."""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from api.keys.models import Scope
from api.rows import path_id
from api.views import TenantAPIView
from tenants.ledger.models import FecExport
from tenants.ledger.services import fec_export_request, trial_balance

YEAR_HELP = "Exercice : l'année civile, du 1er janvier au 31 décembre (ex. 2026)."


class YearInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=YEAR_HELP)


class FecExportOutput(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(
        help_text="Chemin du fichier `<SIREN>FEC<AAAAMMJJ>.txt` à télécharger avec la même clé, une fois "
                  "l'export terminé (`done`) ; null avant.")

    class Meta:
        model = FecExport
        fields = ["id", "year", "status", "lines", "error", "requested_at", "finished_at", "download"]
        extra_kwargs = {
            "id": {"help_text": "Identifiant de l'export, à interroger sur `/api/v1/fec-exports/<id>`."},
            "year": {"help_text": YEAR_HELP},
            "status": {"help_text": "État de la tâche : `pending` en attente, `running` en cours, `done` terminé "
                                    "(fichier écrit et vérifié), `failed` en échec (voir `error`)."},
            "lines": {"help_text": "Nombre de lignes d'écriture du fichier, en-tête non compris (0 tant que "
                                   "l'export n'est pas terminé)."},
            "error": {"help_text": "Cause de l'échec (première erreur du contrôle du fichier), vide sinon."},
            "requested_at": {"help_text": "Demande de l'export."},
            "finished_at": {"help_text": "Fin de l'export, réussi ou en échec ; null avant."},
        }

    def get_download(self, export) -> str | None:
        if export.status != FecExport.Status.DONE:
            return None
        return reverse("api-fec-export-file", args=[export.pk])


class TrialBalance(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(
        summary="Balance générale d'un exercice", tags=["comptabilité"],
        description="Une ligne par compte mouvementé sur l'exercice, par numéro de compte croissant : "
                    "totaux des débits et des crédits des écritures validées, et solde. La somme des soldes est "
                    "nulle.",
        parameters=[OpenApiParameter("year", int, required=False,
                                     description=YEAR_HELP + " L'année en cours par défaut.")],
        responses=inline_serializer("TrialBalanceRow", many=True, fields={
            "account": serializers.CharField(help_text="Numéro de compte (CompteNum du FEC)."),
            "label": serializers.CharField(help_text="Libellé du compte : celui du plan comptable de la CAE s'il "
                                                     "y figure, sinon celui du plan comptable général ; vide "
                                                     "si aucun."),
            "debit": serializers.DecimalField(max_digits=14, decimal_places=2,
                                              help_text="Total des débits de l'exercice, en euros."),
            "credit": serializers.DecimalField(max_digits=14, decimal_places=2,
                                               help_text="Total des crédits de l'exercice, en euros."),
            "balance": serializers.DecimalField(max_digits=14, decimal_places=2,
                                                help_text="Solde : débits moins crédits (négatif : créditeur).")}),
    )
    def get(self, request):
        data = YearInput(data={"year": request.query_params.get("year", timezone.localdate().year)})
        data.is_valid(raise_exception=True)
        rows = trial_balance(year=data.validated_data["year"])
        return Response([{**row, **{k: f"{row[k]:.2f}" for k in ("debit", "credit", "balance")}} for row in rows])


class FecExports(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="Lancer l'export FEC d'un exercice (tâche en arrière-plan)", tags=["comptabilité"],
                   description="Crée l'export et le confie à une tâche de fond, qui écrit le fichier des "
                               "écritures comptables puis le vérifie. Répond 202 avec l'export ; suivre son "
                               "état sur `/api/v1/fec-exports/<id>`.",
                   request=YearInput, responses={202: FecExportOutput})
    def post(self, request):
        data = YearInput(data=request.data)
        data.is_valid(raise_exception=True)
        export = fec_export_request(year=data.validated_data["year"], acting_user=request.user.actor)
        return Response(FecExportOutput(export).data, status=status.HTTP_202_ACCEPTED)


class FecExportDetail(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="État d'un export FEC", tags=["comptabilité"], parameters=[path_id("de l'export")],
                   description="L'état de la tâche ; une fois `done`, `download` donne le fichier.",
                   responses=FecExportOutput)
    def get(self, request, pk: int):
        export = FecExport.objects.filter(pk=pk).first()
        if export is None:
            raise Http404
        return Response(FecExportOutput(export).data)


class FecExportFile(TenantAPIView):
    required_scopes = (Scope.LEDGER_READ,)

    @extend_schema(summary="Télécharger le FEC", tags=["comptabilité"], parameters=[path_id("de l'export")],
                   description="Le fichier d'un export terminé ; 404 tant qu'il ne l'est pas.",
                   responses={(200, "text/plain"): OpenApiResponse(
                       bytes, description="Le FEC `<SIREN>FEC<AAAAMMJJ>.txt` : 18 colonnes séparées par des "
                                          "tabulations, en-tête compris, UTF-8, dates AAAAMMJJ, décimales à "
                                          "la virgule, écritures dans l'ordre de validation.")})
    def get(self, request, pk: int):
        from pathlib import Path

        export = FecExport.objects.filter(pk=pk, status=FecExport.Status.DONE).first()
        if export is None or not Path(export.file_path).exists():
            raise Http404
        path = Path(export.file_path)
        return FileResponse(path.open("rb"), content_type="text/plain; charset=utf-8", as_attachment=True,
                            filename=path.name)
