from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

# What makes a CAE's API view safe, and that no subclass may redefine: the CAE check, the key's
# authentication and the scope check (api.keys.permissions.HasApiKey).
SEALED = ("initial", "authentication_classes", "permission_classes", "get_authenticators", "get_permissions",
          "check_permissions", "check_object_permissions", "perform_authentication")


class TenantAPIView(APIView):
    """Base of every API view on a CAE's domain: the request's schema is the CAE's, and the key
    was looked up in that schema, so nothing here can reach another CAE.

    Fail-closed: a view answers only keys holding every scope of its `required_scopes`, and a
    view that declares none refuses every key (403). The one view any key may call (`MeView`, the
    key's own description) says so by name: `dangerously_any_scope = True`. A subclass that
    redefines the scoping (the attributes in SEALED) is refused when its class is created."""

    required_scopes: tuple[str, ...] = ()
    dangerously_any_scope: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        overridden = sorted(name for name in SEALED if name in cls.__dict__)
        if overridden:
            raise TypeError(f"{cls.__qualname__} redefines the API's scoping ({', '.join(overridden)}): "
                            "TenantAPIView's checks are not overridable.")
        scopes = cls.__dict__.get("required_scopes")
        if scopes is not None and (isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes)):
            raise TypeError(f"{cls.__qualname__}.required_scopes must be a tuple of scopes.")
        if cls.__dict__.get("dangerously_any_scope") and scopes:
            raise TypeError(f"{cls.__qualname__}: required_scopes and dangerously_any_scope exclude each other.")

    def initial(self, request, *args, **kwargs):
        if getattr(request._request, "cooperative", None) is None:
            raise Http404
        super().initial(request, *args, **kwargs)


class MeView(TenantAPIView):
    dangerously_any_scope = True  # any valid key may read its own name, CAE and scopes

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
