from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView


class TenantAPIView(APIView):
    """Base of every API view on a CAE's domain: the request's schema is the CAE's, and the key
    was looked up in that schema, so nothing here can reach another CAE. A view that must read
    across CAEs does not exist; one that bypasses this needs a method named `dangerously_…`."""

    def initial(self, request, *args, **kwargs):
        if getattr(request._request, "cooperative", None) is None:
            raise Http404
        super().initial(request, *args, **kwargs)


class MeView(TenantAPIView):
    @extend_schema(
        summary="La clé utilisée, sa CAE et ses portées",
        responses=inline_serializer(
            "Me",
            fields={
                "cooperative": inline_serializer(
                    "MeCooperative",
                    fields={"name": serializers.CharField(), "slug": serializers.CharField(),
                            "siren": serializers.CharField()},
                ),
                "key": inline_serializer(
                    "MeKey", fields={"name": serializers.CharField(), "prefix": serializers.CharField()}
                ),
                "scopes": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request):
        cooperative = request.tenant
        key = request.auth
        return Response({
            "cooperative": {"name": cooperative.name, "slug": cooperative.slug, "siren": cooperative.siren},
            "key": {"name": key.name, "prefix": key.prefix},
            "scopes": key.scopes,
        })


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"


class TenantListAPIView(TenantAPIView, generics.ListAPIView):
    """A read-only list of one CAE's rows, cursor-paginated. Subclasses set `required_scopes`."""

    pagination_class = IdCursorPagination


class TenantRetrieveAPIView(TenantAPIView, generics.RetrieveAPIView):
    pass
