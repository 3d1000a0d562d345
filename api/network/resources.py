"""Read-only API of the network's library: search (French full text, facets, pages), one
resource with its published versions, file downloads. Anonymous callers see public resources
only; a signed-in session sees what its roles see on the library pages."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from network.resources import selectors
from network.resources.access import resource_get_for, viewer_for
from network.resources.downloads import version_serve
from network.resources.models import FACETS, Audience, Kind, Language, Resource, Sector, Theme

from .base import NetworkAPIView


class ResourceItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    title_highlighted = serializers.CharField(source="title_html", help_text="Titre, mots trouvés entre <mark>…</mark> (HTML échappé).")
    excerpt = serializers.CharField(source="excerpt_html", help_text="Extrait du résumé, mots trouvés entre <mark>…</mark> (HTML échappé).")
    kind = serializers.ChoiceField(choices=Kind.choices)
    theme = serializers.ChoiceField(choices=Theme.choices)
    sector = serializers.ChoiceField(choices=Sector.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    visibility = serializers.ChoiceField(choices=Resource.Visibility.choices)
    author = serializers.CharField(source="author_cooperative__name", allow_null=True,
                                   help_text="CAE autrice ; null : le réseau lui-même.")
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-network-resource", args=[row["pk"]]))

    def get_download(self, row) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-network-resource-download", args=[row["pk"]]))


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


SearchPage = inline_serializer("ResourceSearchPage", fields={
    "count": serializers.IntegerField(),
    "page": serializers.IntegerField(),
    "pages": serializers.IntegerField(),
    "page_size": serializers.IntegerField(),
    "next": serializers.URLField(allow_null=True),
    "previous": serializers.URLField(allow_null=True),
    "facets": inline_serializer("ResourceFacets", fields={name: FacetValueSerializer(many=True) for name in FACETS}),
    "results": ResourceItemSerializer(many=True),
})


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    notes = serializers.CharField()
    link = serializers.URLField(source="url", allow_blank=True, help_text="Lien externe (vidéo…) ; vide pour un fichier.")
    file_name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download = serializers.SerializerMethodField()

    def get_download(self, version) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-network-resource-version-download", args=[version.resource_id, version.number]))


class ResourceDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    summary = serializers.CharField()
    body = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    theme = serializers.ChoiceField(choices=Theme.choices)
    sector = serializers.ChoiceField(choices=Sector.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    visibility = serializers.ChoiceField(choices=Resource.Visibility.choices)
    author = serializers.CharField(source="author_cooperative.name", allow_null=True, default=None)
    working_group = serializers.IntegerField(source="working_group_id", allow_null=True)
    installable = serializers.SerializerMethodField(help_text="Modèle installable dans une CAE.")
    published_at = serializers.DateTimeField()
    versions = VersionSerializer(many=True, source="versions_list")

    def get_installable(self, resource) -> bool:
        return resource.kind == Kind.TEMPLATE and resource.payload is not None


PARAMETERS = [
    OpenApiParameter("q", str, description="Mots cherchés (français, accents et majuscules ignorés ; "
                     "« \"expression exacte\" », « or », « -exclu »). Titres trouvés d'abord."),
    *[OpenApiParameter(name, str, enum=list(choices.values), description=f"Filtre : {name}")
      for name, choices in FACETS.items()],
    OpenApiParameter("page", int, description="Page (à partir de 1)."),
    OpenApiParameter("page_size", int, description=f"Taille de page (défaut {selectors.PAGE_SIZE}, "
                     f"au plus {selectors.MAX_PAGE_SIZE})."),
]


def _int(raw, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


class ResourceSearch(NetworkAPIView):
    @extend_schema(operation_id="network_resources_search", summary="Rechercher dans les ressources publiées", tags=["réseau : ressources"],
                   parameters=PARAMETERS, responses=SearchPage)
    def get(self, request):
        viewer = viewer_for(self.web_user)
        filters = selectors.search_filters_clean(request.query_params)
        result = selectors.library_search(viewer=viewer, query=request.query_params.get("q", ""), filters=filters,
                                          page=_int(request.query_params.get("page"), 1),
                                          page_size=_int(request.query_params.get("page_size"), selectors.PAGE_SIZE))

        def link(page):
            params = request.query_params.copy()
            params["page"] = page
            return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

        return Response({
            "count": result.total, "page": result.page, "pages": result.pages, "page_size": result.page_size,
            "next": link(result.page + 1) if result.has_next else None,
            "previous": link(result.page - 1) if result.has_previous else None,
            "facets": {name: FacetValueSerializer(values, many=True).data for name, values in result.facets.items()},
            "results": ResourceItemSerializer(result.items, many=True, context={"request": request}).data,
        })


def _published(viewer, pk) -> Resource:
    resource = resource_get_for(actor=viewer, pk=pk)
    if resource.state != Resource.State.PUBLISHED:  # proposals are reviewed on the pages, not here
        raise Http404
    return resource


class ResourceDetail(NetworkAPIView):
    @extend_schema(operation_id="network_resource", summary="Une ressource publiée et ses versions", tags=["réseau : ressources"],
                   responses=ResourceDetailSerializer)
    def get(self, request, pk: int):
        resource = _published(viewer_for(self.web_user), pk)
        resource.versions_list = list(selectors.versions_of(resource))
        return Response(ResourceDetailSerializer(resource, context={"request": request}).data)


DOWNLOAD = {200: OpenApiResponse(OpenApiTypes.BINARY, description="Le fichier (PDF, bureautique, image)."),
            302: OpenApiResponse(description="Redirection vers le lien (vidéo…)."),
            404: OpenApiResponse(description="Inconnue, non publiée ou non visible pour l'appelant.")}


class ResourceDownload(NetworkAPIView):
    @extend_schema(operation_id="network_resource_download", summary="Télécharger la version en cours", tags=["réseau : ressources"], responses=DOWNLOAD)
    def get(self, request, pk: int):
        viewer = viewer_for(self.web_user)
        resource = _published(viewer, pk)
        return version_serve(viewer=viewer, resource=resource, version=selectors.current_version(resource))


class ResourceVersionDownload(NetworkAPIView):
    @extend_schema(operation_id="network_resource_version_download", summary="Télécharger une version publiée", tags=["réseau : ressources"], responses=DOWNLOAD)
    def get(self, request, pk: int, number: int):
        viewer = viewer_for(self.web_user)
        resource = _published(viewer, pk)
        version = selectors.versions_of(resource).filter(number=number).first()
        return version_serve(viewer=viewer, resource=resource, version=version)
