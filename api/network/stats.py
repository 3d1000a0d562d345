"""Read-only API of the published network statistics: releases and their tables, every cell with
its dimension values ("*" for a margin), its value (null when secret) and its status, so anyone
can audit a release. Only published releases exist here, whoever asks: not a draft, not a version
superseded by a newer one of its period (docs/stats.md, "What several releases tell together")."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from network.stats.models import Release
from network.stats.selectors import release_get_for, release_table_get_for

from .base import NetworkAPIView

CellsSerializer = inline_serializer("StatsCell", many=True, fields={
    "dimensions": serializers.DictField(child=serializers.CharField(),
                                        help_text='Valeur de chaque dimension ; "*" : la marge (total).'),
    "value": serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True, coerce_to_string=True,
                                      help_text="null : case couverte par le secret statistique."),
    "status": serializers.ChoiceField(choices=["published", "empty", "primary", "secondary"],
                                      help_text="primary : la case révélerait une personne ou une CAE ; secondary : "
                                                "supprimée pour protéger une case primaire ; empty : personne (0)."),
    "label": serializers.CharField(allow_null=True, help_text='"s" (secret) pour une case supprimée, sinon null.'),
})
DimensionsSerializer = inline_serializer("StatsDimension", many=True, fields={
    "name": serializers.CharField(), "label": serializers.CharField(),
    "categories": serializers.ListField(child=serializers.ListField(child=serializers.CharField()),
                                        help_text="[code, libellé]"),
})
TableRefsSerializer = inline_serializer("StatsTableRef", many=True, fields={
    "code": serializers.CharField(), "title": serializers.CharField(), "url": serializers.URLField()})
ReleasesSerializer = inline_serializer("StatsRelease", many=True, fields={
    "id": serializers.IntegerField(), "period": serializers.CharField(), "version": serializers.IntegerField(),
    "published_at": serializers.DateTimeField(),
    "parameters": serializers.DictField(child=serializers.CharField(), help_text="Paramètres du secret statistique."),
    "audit": inline_serializer("StatsAudit", fields={
        "ok": serializers.BooleanField(), "cells": serializers.IntegerField(),
        "sensitive_cells": serializers.IntegerField(), "suppressed_cells": serializers.IntegerField()}),
    "tables": TableRefsSerializer,
})
TableSerializer = inline_serializer("StatsTable", fields={
    "release": serializers.IntegerField(), "period": serializers.CharField(), "code": serializers.CharField(),
    "title": serializers.CharField(), "kind": serializers.CharField(), "unit": serializers.CharField(),
    "dimensions": DimensionsSerializer, "cells": CellsSerializer,
})


def _published():
    return Release.objects.filter(status=Release.Status.PUBLISHED)


def _value(v):
    return None if v is None else str(Decimal(v).normalize() if Decimal(v) % 1 else int(v))


class ReleaseList(NetworkAPIView):
    @extend_schema(summary="Versions publiées des statistiques du réseau", responses=ReleasesSerializer,
                   tags=["statistiques"])
    def get(self, request):
        out = []
        for release in _published().order_by("-period", "-version").prefetch_related("tables"):
            out.append({
                "id": release.pk, "period": release.period, "version": release.version,
                "published_at": release.published_at, "parameters": release.parameters,
                "audit": {k: release.audit.get(k) for k in ("ok", "cells", "sensitive_cells", "suppressed_cells")},
                "tables": [{"code": t.code, "title": t.title, "url": request.build_absolute_uri(
                    reverse("api-network-stats-table", args=[release.pk, t.code]))} for t in release.tables.all()],
            })
        return Response(out)


class TableDetail(NetworkAPIView):
    @extend_schema(summary="Un tableau publié : toutes ses cases, marges comprises", responses=TableSerializer,
                   tags=["statistiques"])
    def get(self, request, pk: int, code: str):
        # actor=None: the API shows what anybody sees (published releases), signed in or not.
        release = release_get_for(actor=None, pk=pk)
        table = release_table_get_for(actor=None, release=release, code=code)
        names = [d["name"] for d in table.dimensions]
        cells = [{"dimensions": {n: c["coords"].get(n, "*") for n in names}, "value": _value(c["value"]),
                  "status": c["status"], "label": "s" if c["value"] is None else None}
                 for c in table.cells.order_by("position").values("coords", "value", "status")]
        return Response({"release": table.release_id, "period": table.release.period, "code": table.code,
                         "title": table.title, "kind": table.kind, "unit": table.unit,
                         "dimensions": table.dimensions, "cells": cells})
