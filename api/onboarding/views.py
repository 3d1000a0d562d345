"""Setup projects on the network's public API (/api/v1/setup-projects), read-only, for network
staff. Authentication: the staff member's session on the network's domain (the same cookie as
the pages; read-only methods only, so no CSRF token is needed). API keys are per CAE and do not
exist on the public domain."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from api.network.base import NetworkAPIView
from api.views import IdCursorPagination
from network.onboarding import selectors
from network.onboarding.models import SetupProject

from .serializers import ProjectDetailSerializer, ProjectRowSerializer


class IsNetworkStaff(BasePermission):
    message = "Réservé à l'équipe du réseau."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_network_staff)


class StaffAPIView(NetworkAPIView):
    """The network's domain only (NetworkAPIView: 404 on a CAE's domain), network staff only."""

    permission_classes = [IsNetworkStaff]


class ProjectPagination(IdCursorPagination):
    max_page_size = 200


@extend_schema_view(get=extend_schema(summary="Projets de création de CAE (équipe du réseau)", tags=["essaimage"]))
class SetupProjectList(StaffAPIView, generics.ListAPIView):
    serializer_class = ProjectRowSerializer
    pagination_class = ProjectPagination

    def get_queryset(self):
        params = self.request.query_params
        return selectors.pipeline(q=params.get("q", "")[:100], stage=params.get("stage", ""),
                                  region=params.get("region", ""), status=params.get("status", ""),
                                  late_only=params.get("late") == "1").order_by("id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(selectors.pipeline_rows(page), many=True).data)


@extend_schema_view(get=extend_schema(summary="Un projet : étapes, tâches, avancement, partenaires",
                                      tags=["essaimage"]))
class SetupProjectDetail(StaffAPIView, generics.RetrieveAPIView):
    serializer_class = ProjectDetailSerializer
    queryset = SetupProject.objects.none()

    def retrieve(self, request, *args, **kwargs):
        project, _role = selectors.project_get_for(actor=request.user, pk=kwargs["pk"])
        return Response(self.get_serializer(selectors.pipeline_rows([project])[0]).data)
