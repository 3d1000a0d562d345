"""The API of the network's public domain, mounted at /api/ by essaim/urls_public.py.

One include per network app under v1/network/; the schema and its docs cover this domain's
endpoints only (the CAE domains have their own, api/urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

PUBLIC_SCHEMA = {
    "TITLE": "Essaim API — réseau",
    "DESCRIPTION": "API en lecture du site du réseau : ressources publiées (recherche, filtres, facettes, "
                   "téléchargements) et groupes de travail. Sans authentification, seules les ressources "
                   "publiques sont visibles ; une session ouverte sur ce domaine voit ce que voient ses rôles.",
    "VERSION": "1.0.0",
}

urlpatterns = [
    path("v1/network/", include("api.network.resources_urls")),
    path("v1/network/", include("api.network.stats_urls")),  # published statistics
    path("v1/", include("api.onboarding.urls")),  # setup projects (network staff)
    # The schema and its documentation hold no data: readable by anyone.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[],
                                               urlconf="essaim.urls_public", custom_settings=PUBLIC_SCHEMA),
         name="api-public-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-public-schema", permission_classes=[AllowAny],
                                                 authentication_classes=[]), name="api-public-docs"),
]
